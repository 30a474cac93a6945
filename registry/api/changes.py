"""``/api/v1/changes/``: the change feed, in commit order, resumed from an opaque cursor.

Each page carries ``cursor``: pass it as ``after`` to get the events that follow. A client that
always passes the last cursor it got sees every event exactly once (``registry.changes`` says
why that holds when transactions commit out of order). Read from the primary database, never
cached: what is served depends on which transactions are still open, not on the data version.
"""

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from registry import changes
from registry.api.pagination import _non_negative_int
from registry.api.schema import RegistryAutoSchema
from registry.filtersets import ChangeEventFilterSet
from registry.models import ChangeEvent


class ChangeEventSerializer(serializers.ModelSerializer):
    cursor = serializers.SerializerMethodField(
        help_text=gettext_lazy("This event's position: pass it as `after` to resume after it.")
    )
    subject = serializers.CharField(source="subject_code")
    market = serializers.CharField(source="market_code")
    province = serializers.CharField(source="province_code")
    crop = serializers.CharField(source="crop_slug")
    cooperative = serializers.CharField(source="cooperative_tax_code")
    details = serializers.JSONField(source="payload")

    class Meta:
        model = ChangeEvent
        fields = [
            "id",
            "cursor",
            "kind",
            "subject_type",
            "subject",
            "market",
            "province",
            "crop",
            "cooperative",
            "effective_on",
            "recorded_at",
            "details",
        ]

    def get_cursor(self, event) -> str:
        return changes.encode_cursor(changes.position_of(event))

    def to_representation(self, instance):
        # the one representation, shared with webhooks and digests (the fields above document it)
        return changes.as_dict(instance)


class FeedPagination(BasePagination):
    """``after`` (a cursor) and ``limit``; the page's ``cursor`` is the last event's position,
    or ``after`` itself when nothing new has been served."""

    default_limit = 100
    max_limit = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        raw = request.query_params.get("after")
        try:
            position = changes.decode_cursor(raw) if raw else changes.START
        except changes.BadCursor:
            raise ValidationError(
                {"after": [_("Not a cursor of this feed: pass a page's `cursor` unchanged.")]}
            ) from None
        limit = _non_negative_int(request, "limit", self.default_limit)
        if not 1 <= limit <= self.max_limit:
            raise ValidationError(
                {"limit": [_("Must be between 1 and %(max)d.") % {"max": self.max_limit}]}
            )
        rows = list(changes.after(queryset, position)[: limit + 1])
        self.more = len(rows) > limit
        rows = rows[:limit]
        self.cursor = changes.encode_cursor(changes.position_of(rows[-1]) if rows else position)
        return rows

    def get_paginated_response(self, data):
        params = self.request.query_params.copy()
        params["after"] = self.cursor
        url = self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, True)
        return Response({"cursor": self.cursor, "more": self.more, "next": url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["cursor", "more", "next", "results"],
            "properties": {
                "cursor": {"type": "string"},
                "more": {"type": "boolean"},
                "next": {"type": "string", "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return []


@extend_schema(
    parameters=[
        OpenApiParameter(
            "after",
            str,
            description=gettext_lazy(
                "A page's `cursor`: the events after it. None: from the start."
            ),
        ),
        OpenApiParameter(
            "limit", int, description=gettext_lazy("Events per page (1 to 1000, default 100).")
        ),
    ]
)
class ChangeFeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every status change, revocation, new code, certificate expiry, boundary change and
    inspection (recorded, changed, deleted: one event per market it concerns), in commit
    order. Public."""

    serializer_class = ChangeEventSerializer
    filterset_class = ChangeEventFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = FeedPagination
    schema = RegistryAutoSchema()
    permission_classes = []
    known_parameters = frozenset({"after", "limit", "format"})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no database
            return ChangeEvent.objects.none()
        return changes.served()

    def filter_queryset(self, queryset):
        known = self.known_parameters | set(self.filterset_class.base_filters)
        unknown = sorted(set(self.request.query_params) - known)
        if unknown:
            message = _("Unknown parameter. Known parameters: %(known)s.") % {
                "known": ", ".join(sorted(known))
            }
            raise ValidationError({name: [message] for name in unknown})
        return super().filter_queryset(queryset)
