"""``/overlaps/`` on an area code: the other codes its boundary overlaps (public, like the
code itself)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from registry.models import AreaCode
from registry.rules import boundaries


class OverlapSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The other growing-area code.")
    area_ha = serializers.DecimalField(
        max_digits=12, decimal_places=4, help_text="The area both boundaries cover (ha)."
    )
    found_at = serializers.DateTimeField(help_text="When the overlap was recorded.")


class OverlapsMixin:
    @extend_schema(
        responses=OverlapSerializer(many=True),
        summary="The codes whose boundary overlaps this one, largest overlap first",
        description=(
            "Recorded whenever either boundary is saved: every other code sharing more than "
            "OVERLAP_MIN_HA (0.05 ha by default) with this one, measured on the ellipsoid."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[AllowAny],
        filter_backends=[],
        pagination_class=None,
    )
    def overlaps(self, request, **kwargs):
        code = self.normalise_lookup(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        found = AreaCode.objects.only("pk", "code").filter(code=code).first()
        if found is None:
            raise Http404
        return Response(OverlapSerializer(boundaries.overlaps_of(found), many=True).data)
