"""Base viewsets: natural-key look-ups, read serializers for answers and write serializers
(natural keys) for input, and no DELETE anywhere: records are revoked, not removed."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from registry.api.history import HistoryMixin


class ReadOnlyRegistryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail. ``normalise_lookup`` turns what a person typed into the stored key."""

    lookup_value_regex = "[^/]+"

    @staticmethod
    def normalise_lookup(value: str) -> str:
        return value

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


def documented(read, write):
    """Tell the schema that writes take ``write`` and answer with ``read``."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}),
        update=extend_schema(request=write, responses={200: read}),
        partial_update=extend_schema(request=write, responses={200: read}),
    )
