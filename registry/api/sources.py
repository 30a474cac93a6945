"""Which growing areas a packing house may pack for which market.

``/api/v1/packing-house-sources/``: the links themselves (filters ``packing_house``, ``code``,
``market``, ``valid_on``, ``in_force_on``), written with natural keys by users with the model's
permission, downloadable, with their history. The same links seen from either side:
``/api/v1/packing-houses/<code>/sources/`` and ``/api/v1/area-codes/<code>/packing-houses/``
(``market``, ``valid_on``). Reading is public (exporters and importers need it); the internal
note is shown only to signed-in users who may view links.
"""

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from registry import keys
from registry.api.downloads import DownloadMixin
from registry.api.serializers import MarketField, ModelCleanMixin, NaturalKeyField
from registry.api.viewsets import LIST_PARAMETERS, RegistryViewSet, documented
from registry.filtersets import PackingHouseSourceFilterSet
from registry.models import AreaCode, PackingHouse, PackingHouseSource
from registry.tables import PACKING_HOUSE_SOURCES

PERMISSION = "registry.view_packinghousesource"


class PackingHouseSourceSerializer(serializers.ModelSerializer):
    packing_house = serializers.CharField(source="packing_house.code")
    packing_house_name = serializers.CharField(source="packing_house.name")
    code = serializers.CharField(source="area_code.code", help_text="The growing-area code.")
    market = serializers.CharField(source="market.code")
    note = serializers.SerializerMethodField(help_text="Signed-in staff only; null otherwise.")

    class Meta:
        model = PackingHouseSource
        fields = [
            "id",
            "packing_house",
            "packing_house_name",
            "code",
            "market",
            "valid_from",
            "valid_until",
            "registration_number",
            "note",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_note(self, link):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user and user.is_authenticated and user.has_perm(PERMISSION):
            return link.note
        return None


class PackingHouseSourceWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    packing_house = NaturalKeyField(
        slug_field="code", queryset=PackingHouse.objects.all(), normalise=keys.normalise_code
    )
    code = NaturalKeyField(
        source="area_code",
        slug_field="code",
        queryset=AreaCode.objects.all(),
        normalise=keys.normalise_code,
    )
    market = MarketField()

    class Meta:
        model = PackingHouseSource
        fields = ["code", *PACKING_HOUSE_SOURCES.writable_fields()]
        validators = []  # the windows are checked by the model's clean(), overlap included


LINK_QUERYSET = PackingHouseSource.objects.select_related("packing_house", "area_code", "market")


@documented(PackingHouseSourceSerializer, PackingHouseSourceWriteSerializer)
class PackingHouseSourceViewSet(DownloadMixin, RegistryViewSet):
    """Links of packing houses to growing-area codes per market, by id."""

    queryset = LINK_QUERYSET
    serializer_class = PackingHouseSourceSerializer
    write_serializer_class = PackingHouseSourceWriteSerializer
    filterset_class = PackingHouseSourceFilterSet
    lookup_value_regex = "[0-9]+"
    ordering = ["packing_house__code", "area_code__code", "market__code", "valid_from"]
    ordering_fields = ["valid_from", "valid_until", "updated_at", "id"]


#: What the links' lists seen from one side take (besides limit and offset).
SIDE_PARAMETERS = ("market", "valid_on")

SIDE_SCHEMA = extend_schema(
    parameters=[
        OpenApiParameter("market", str, description="Market code(s), e.g. CN or CN,AU."),
        OpenApiParameter(
            "valid_on",
            str,
            description="A date (YYYY-MM-DD): only links under which the house may pack the "
            "code that day (the bulk check's rule).",
        ),
        OpenApiParameter("limit", int),
        OpenApiParameter("offset", int),
    ],
    responses=PackingHouseSourceSerializer(many=True),
)


class LinkedListMixin:
    """A page of links seen from one side, filtered by ``market`` and ``valid_on`` through
    ``PackingHouseSourceFilterSet`` (unknown parameters and bad values: a 400 naming them)."""

    def linked_page(self, request, side: str, key: str):
        model = AreaCode if side == "area_code" else PackingHouse
        subject = model.objects.filter(code=keys.normalise_code(key)).values("pk").first()
        if subject is None:
            raise Http404
        allowed = {*SIDE_PARAMETERS, *LIST_PARAMETERS} - {"ordering"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            message = _("Unknown parameter. Known parameters: %(known)s.") % {
                "known": ", ".join(sorted(allowed))
            }
            raise ValidationError({name: [message] for name in unknown})
        data = QueryDict(mutable=True)
        for name in SIDE_PARAMETERS:
            data.setlist(name, request.query_params.getlist(name))
        filterset = PackingHouseSourceFilterSet(
            data,
            queryset=LINK_QUERYSET.filter(**{f"{side}_id": subject["pk"]}),
            request=request,
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            filterset.qs.order_by(*PackingHouseSourceViewSet.ordering), request, view=self
        )
        data = PackingHouseSourceSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


def sources_action():
    """``packing-houses/<code>/sources/``: the growing-area codes the house may pack."""

    @SIDE_SCHEMA
    @action(
        detail=True,
        methods=["get"],
        url_path="sources",
        permission_classes=[AllowAny],
        filter_backends=[],
    )
    def sources(self, request, code=None):
        return self.linked_page(request, "packing_house", code)

    return sources


def packing_houses_action():
    """``area-codes/<code>/packing-houses/``: the packing houses that may pack the code."""

    @SIDE_SCHEMA
    @action(
        detail=True,
        methods=["get"],
        url_path="packing-houses",
        url_name="packing-houses",
        permission_classes=[AllowAny],
        filter_backends=[],
    )
    def packing_houses(self, request, code=None):
        return self.linked_page(request, "area_code", code)

    return packing_houses
