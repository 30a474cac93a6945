"""Base viewsets: natural-key look-ups, read serializers for answers and write serializers
(natural keys) for input, and no DELETE anywhere: records are revoked, not removed."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from registry import answer_cache, data_version
from registry.api.history import HistoryMixin
from registry.api.parsers import SafeJSONParser
from registry.api.prepared import PreparedLookup
from registry.api.schema import RegistryAutoSchema
from registry.rules import dates

#: Query parameters every list reads besides its FilterSet's (pagination, ordering, format).
LIST_PARAMETERS = frozenset({"format", "limit", "offset", "cursor", "ordering"})


class ReadOnlyRegistryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail. ``normalise_lookup`` turns what a person typed into the stored key."""

    lookup_value_regex = "[^/]+"
    schema = RegistryAutoSchema()
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]
    #: more query parameters a list reads (the CSV download's ``lang``)
    extra_query_parameters: frozenset[str] = frozenset()

    @staticmethod
    def normalise_lookup(value: str) -> str:
        return value

    def dispatch(self, request, *args, **kwargs):
        with data_version.one_version():
            return super().dispatch(request, *args, **kwargs)

    def perform_content_negotiation(self, request, force=False):
        # DRF answers 404 for a ?format= no renderer here offers (e.g. csv on a detail): the
        # resource exists, only not in that format.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            raise NotAcceptable(
                _("The format %(format)s is not offered here.")
                % {"format": request.query_params.get(self.settings.URL_FORMAT_OVERRIDE, "")}
            ) from None

    def filter_queryset(self, queryset):
        # Filters and ordering apply to lists; a detail is found by its key alone.
        if self.action != "list":
            return queryset
        self.refuse_unknown_parameters(queryset)
        return super().filter_queryset(queryset)

    def known_parameters(self, queryset) -> set[str]:
        known = set(LIST_PARAMETERS | self.extra_query_parameters)
        filterset_class = DjangoFilterBackend().get_filterset_class(self, queryset)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        return known

    def refuse_unknown_parameters(self, queryset) -> None:
        """An unknown parameter (a typo: ``markets=AU``) would otherwise be ignored and every
        row answered, which looks like "all valid": refuse it by name."""
        known = self.known_parameters(queryset)
        unknown = sorted(set(self.request.query_params) - known)
        if unknown:
            message = _("Unknown parameter. Known parameters: %(known)s.") % {
                "known": ", ".join(sorted(known))
            }
            raise ValidationError({name: [message] for name in unknown})

    def get_object(self):
        key = self.lookup_url_kwarg or self.lookup_field
        self.kwargs[key] = self.normalise_lookup(self.kwargs[key])
        return super().get_object()


class RegistryViewSet(
    HistoryMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyRegistryViewSet
):
    """Adds create and update (with the model's Django permissions), answered with the read
    representation of what was saved, and the record's ``history/``."""

    write_serializer_class = None

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return self.serializer_class

    def _answer(self, instance, status_code):
        fresh = self.get_queryset().get(pk=instance.pk)
        data = self.serializer_class(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(serializer.save(), status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._answer(serializer.save(), status.HTTP_200_OK)


class RepresentedViewSet(RegistryViewSet):
    """Answers with ``representation.render(rows)`` (registry.api.representations) instead of
    the serializer: lists and details read plain rows. ``serializer_class`` still documents
    the output in the schema."""

    representation = None

    def list(self, request, *args, **kwargs):
        # A page's rows change only when the data does (or the date, for certificate
        # validity), so they are kept under the data version and the page's own SQL (built
        # from the FilterSet's cleaned values): exact, and served again without a query. The
        # envelope (count, next, previous) is built for each request, for its own host.
        queryset = self.filter_queryset(self.get_queryset()).values(*self.representation.fields)
        paginator = self.paginator
        window = paginator.window(queryset, request)
        key = ("page", answer_cache.query_key(window), dates.today().isoformat())
        results, paginator.next_cursor = answer_cache.cached(
            key, lambda: self._render_page(window, paginator), using=window.db
        )
        return paginator.get_paginated_response(results)

    def _render_page(self, window, paginator):
        """The page's JSON and, in keyset mode, the next page's cursor (cached together)."""
        rows, next_cursor = paginator.split(list(window))
        rows = self.representation.complete(rows)
        return self.representation.render(rows), next_cursor

    def _one(self, field: str, value):
        lookups = type(self).__dict__.get("_prepared")
        if lookups is None:
            lookups = type(self)._prepared = {}
        if field not in lookups:
            representation, queryset = self.representation, self.get_queryset()
            lookups[field] = PreparedLookup(
                lambda: queryset.order_by().values(*representation.fields, *representation.joined),
                field,
            )
        rows = lookups[field].rows(value)
        if not rows:
            raise Http404
        return self.representation.render(rows)[0]

    def retrieve(self, request, *args, **kwargs):
        key = self.lookup_url_kwarg or self.lookup_field
        return Response(self._one(self.lookup_field, self.normalise_lookup(self.kwargs[key])))

    def _answer(self, instance, status_code):
        return Response(self._one("pk", instance.pk), status=status_code)


def documented(read, write):
    """Tell the schema that writes take ``write`` and answer with ``read``."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}),
        update=extend_schema(request=write, responses={200: read}),
        partial_update=extend_schema(request=write, responses={200: read}),
    )
