"""``/api/v1/growers/``: the households that farm each growing area. Personal data: every
request, reading included (the list, a detail, the CSV/XLSX download, the history), needs a
signed-in user with ``registry.view_grower`` (Administrators and Data entry; not Staff, see
``registry.roles``); writing needs add/change. Anyone else gets 401/403 and never a name: the
public area-code answers carry only ``growers.count`` and ``growers.total_plot_area_ha``.

A list page also answers ``warnings``: where the growers of the page's codes disagree with the
code's households or area (``registry.rules.growers``), as advice.
"""

from rest_framework import serializers
from rest_framework.permissions import DjangoModelPermissions

from registry import keys
from registry.api.downloads import DownloadMixin
from registry.api.pagination import RegistryPagination
from registry.api.serializers import ModelCleanMixin, NaturalKeyField
from registry.api.viewsets import RegistryViewSet, documented
from registry.filtersets import GrowerFilterSet
from registry.models import AreaCode, Grower
from registry.rules import growers
from registry.tables import GROWERS


class CanViewGrowers(DjangoModelPermissions):
    """Django's model permissions, reading included (``view_grower``)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class GrowerSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="area_code.code", help_text="The growing-area code.")

    class Meta:
        model = Grower
        fields = ["id", "code", "name", "plot_area_ha", "phone", "updated_at"]


class GrowerWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    code = NaturalKeyField(
        source="area_code",
        slug_field="code",
        queryset=AreaCode.objects.all(),
        normalise=keys.normalise_code,
    )

    class Meta:
        model = Grower
        fields = ["code", *GROWERS.writable_fields()]


class GrowersPagination(RegistryPagination):
    """A page of growers also answers ``warnings`` (added by the view); the schema says so."""

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["warnings"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "Where the growers of this page's codes disagree with the code's "
            "households or area (beyond GROWER_AREA_TOLERANCE_PERCENT): warnings, not errors.",
        }
        return answer


@documented(GrowerSerializer, GrowerWriteSerializer)
class GrowerViewSet(DownloadMixin, RegistryViewSet):
    """Growers (households) of growing areas, by id; signed-in users who may view growers."""

    queryset = Grower.objects.select_related("area_code")
    serializer_class = GrowerSerializer
    write_serializer_class = GrowerWriteSerializer
    filterset_class = GrowerFilterSet
    permission_classes = [CanViewGrowers]
    pagination_class = GrowersPagination
    lookup_value_regex = "[0-9]+"
    ordering = ["area_code__code", "name", "id"]
    ordering_fields = ["name", "plot_area_ha", "updated_at", "id"]

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        codes = {row["code"] for row in data}
        area_codes = list(AreaCode.objects.filter(code__in=codes).order_by("code"))
        response.data["warnings"] = growers.warnings_for(area_codes)
        return response
