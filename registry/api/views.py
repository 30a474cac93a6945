"""The exporter API. Each viewset names its queryset (with the joins its serializer needs),
serializers and FilterSet; the rules live in registry.rules."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from registry import keys
from registry.api import representations
from registry.api import serializers as s
from registry.api.boundaries import OverlapsMixin
from registry.api.downloads import DownloadMixin
from registry.api.geojson import GeoJSONMixin
from registry.api.sources import LinkedListMixin, packing_houses_action, sources_action
from registry.api.status import StatusChangesMixin
from registry.api.viewsets import (
    ReadOnlyRegistryViewSet,
    RegistryViewSet,
    RepresentedViewSet,
    documented,
)
from registry.filtersets import (
    AreaCodeFilterSet,
    CertificateFilterSet,
    CommuneFilterSet,
    CooperativeFilterSet,
    PackingHouseFilterSet,
)
from registry.models import (
    AreaCode,
    Commune,
    Cooperative,
    Crop,
    Market,
    PackingHouse,
    Province,
    VietGAPCertificate,
)
from registry.rules import bulk_check, dates


@documented(s.AreaCodeSerializer, s.AreaCodeWriteSerializer)
class AreaCodeViewSet(
    GeoJSONMixin,
    DownloadMixin,
    StatusChangesMixin,
    LinkedListMixin,
    OverlapsMixin,
    RepresentedViewSet,
):
    """Growing-area codes (mã số vùng trồng), looked up by code in any case."""

    queryset = AreaCode.objects.all()
    serializer_class = s.AreaCodeSerializer
    representation = representations.AreaCodes
    write_serializer_class = s.AreaCodeWriteSerializer
    filterset_class = AreaCodeFilterSet
    lookup_field = "code"
    ordering = ["code"]
    ordering_fields = ["code", "issued_on", "area_ha", "updated_at", "crop__slug", "kind"]
    normalise_lookup = staticmethod(keys.normalise_code)
    packing_houses = packing_houses_action()

    @extend_schema(
        request=s.CodeCheckRequestSerializer,
        responses=s.CodeCheckResponseSerializer,
        summary="Check codes for one market on one date",
        description=(
            "For each code in the order sent (growing-area or packing-house codes): whether it "
            "exists, whether it is valid for the market on the date, its status for the market "
            "and, when not valid, why. Uses the same rule as the `valid_on` list filter. With "
            "`packing_house`: the house's own validity, and for each code whether the house may "
            "pack it (a link in force, both codes valid), with the reason when not."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="check",
        permission_classes=[AllowAny],
        filter_backends=[],
        pagination_class=None,
    )
    def check(self, request):
        request_serializer = s.CodeCheckRequestSerializer(data=request.data)
        request_serializer.is_valid(raise_exception=True)
        market = request_serializer.validated_data["market"]
        day = request_serializer.validated_data.get("date") or dates.today()
        house = None
        if "packing_house" in request_serializer.validated_data:
            raw = request_serializer.validated_data["packing_house"]
            house = bulk_check.packing_house_on(raw, market, day)
            if house is None:
                raise ValidationError(
                    {
                        "packing_house": [
                            _("Unknown packing house: %(code)s.")
                            % {"code": keys.normalise_code(raw)}
                        ]
                    }
                )
        codes = request_serializer.validated_data["codes"]
        results = bulk_check.check_codes(codes, market, day, house)
        return Response(s.check_answer(market.code, day, house, results))


@documented(s.PackingHouseSerializer, s.PackingHouseWriteSerializer)
class PackingHouseViewSet(DownloadMixin, StatusChangesMixin, LinkedListMixin, RepresentedViewSet):
    """Packing houses (mã số cơ sở đóng gói), looked up by code in any case."""

    queryset = PackingHouse.objects.all()
    serializer_class = s.PackingHouseSerializer
    representation = representations.PackingHouses
    write_serializer_class = s.PackingHouseWriteSerializer
    filterset_class = PackingHouseFilterSet
    lookup_field = "code"
    ordering = ["code"]
    ordering_fields = ["code", "name", "issued_on", "updated_at"]
    normalise_lookup = staticmethod(keys.normalise_code)
    sources = sources_action()


@documented(s.CooperativeSerializer, s.CooperativeWriteSerializer)
class CooperativeViewSet(DownloadMixin, RegistryViewSet):
    """Cooperatives, looked up by tax code (``0123456789`` or ``0123456789-001``)."""

    queryset = Cooperative.objects.select_related("commune__province").prefetch_related(
        "trademark_rights"
    )
    serializer_class = s.CooperativeSerializer
    write_serializer_class = s.CooperativeWriteSerializer
    filterset_class = CooperativeFilterSet
    lookup_field = "tax_code"
    ordering = ["name", "tax_code"]
    ordering_fields = ["name", "tax_code", "established_on", "member_households", "updated_at"]
    normalise_lookup = staticmethod(keys.normalise_tax_code)


@documented(s.CertificateSerializer, s.CertificateWriteSerializer)
class CertificateViewSet(DownloadMixin, RegistryViewSet):
    """VietGAP certificates (numbers are unique per certification body, so looked up by id)."""

    queryset = VietGAPCertificate.objects.select_related(
        "body", "cooperative", "crop", "commune__province"
    )
    serializer_class = s.CertificateSerializer
    write_serializer_class = s.CertificateWriteSerializer
    filterset_class = CertificateFilterSet
    ordering = ["-issued_on", "id"]
    ordering_fields = ["number", "issued_on", "expires_on", "area_ha", "updated_at"]


class MarketViewSet(ReadOnlyRegistryViewSet):
    """Target markets and their requirements, by ISO code (``AU``, ``us``...)."""

    queryset = Market.objects.all()
    serializer_class = s.MarketSerializer
    lookup_field = "code"
    ordering = ["code"]
    ordering_fields = ["code", "name_en", "name_vi"]
    filterset_fields = []
    normalise_lookup = staticmethod(keys.normalise_market_code)


class CropViewSet(ReadOnlyRegistryViewSet):
    queryset = Crop.objects.all()
    serializer_class = s.CropSerializer
    lookup_field = "slug"
    ordering = ["slug"]
    ordering_fields = ["slug", "name_vi", "name_en"]
    filterset_fields = []
    normalise_lookup = staticmethod(keys.normalise_crop_slug)


class ProvinceViewSet(ReadOnlyRegistryViewSet):
    """The 34 provinces of the 2025 reform, by 2-digit code."""

    queryset = Province.objects.all()
    serializer_class = s.ProvinceSerializer
    lookup_field = "code"
    ordering = ["code"]
    ordering_fields = ["code", "name"]
    filterset_fields = []
    normalise_lookup = staticmethod(keys.normalise_province_code)


class CommuneViewSet(ReadOnlyRegistryViewSet):
    """Communes and wards of the 2025 reform, by 5-digit code."""

    queryset = Commune.objects.select_related("province")
    serializer_class = s.CommuneSerializer
    filterset_class = CommuneFilterSet
    lookup_field = "code"
    ordering = ["code"]
    ordering_fields = ["code", "name"]
    normalise_lookup = staticmethod(keys.normalise_commune_code)
