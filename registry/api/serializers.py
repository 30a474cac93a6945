"""API representations. Reads nest what an exporter needs to see; writes take natural keys
(crop slug, tax code, commune code) as a person would type them."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import keys
from registry.models import (
    AreaCode,
    CertificationBody,
    ChangeSource,
    CodeStatus,
    Commune,
    Cooperative,
    Crop,
    InspectionKind,
    InspectionResult,
    Market,
    PackingHouse,
    Province,
    SupervisionState,
    TrademarkRight,
    VietGAPCertificate,
)
from registry.rules import boundaries, dates, supervision
from registry.tables import AREA_CODES, CERTIFICATES, COOPERATIVES, PACKING_HOUSES


class ModelCleanMixin:
    """Run the model's own ``clean()`` so the API refuses what the admin refuses."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.Meta.model(**{**self._current_values(), **attrs})
        try:
            instance.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs

    def _current_values(self):
        if self.instance is None:
            return {}
        return {
            field.name: getattr(self.instance, field.name)
            for field in self.Meta.model._meta.concrete_fields
        }


class NaturalKeyField(serializers.SlugRelatedField):
    """A related record named by its natural key, normalised as ``registry.keys`` does
    everywhere else (so ``longan``/``Longan`` or ``4204``/``04204`` name the same record)."""

    default_error_messages = {"null_characters": _("Null characters are not allowed.")}

    def __init__(self, *, normalise, **kwargs):
        self.normalise = normalise
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")  # PostgreSQL cannot even compare it
        return super().to_internal_value(self.normalise(data) if isinstance(data, str) else data)


def crop_field(**kwargs):
    return NaturalKeyField(
        slug_field="slug", queryset=Crop.objects.all(), normalise=keys.normalise_crop_slug, **kwargs
    )


def commune_field(**kwargs):
    return NaturalKeyField(
        slug_field="code",
        queryset=Commune.objects.all(),
        normalise=keys.normalise_commune_code,
        **kwargs,
    )


def cooperative_field(**kwargs):
    return NaturalKeyField(
        slug_field="tax_code",
        queryset=Cooperative.objects.all(),
        normalise=keys.normalise_tax_code,
        **kwargs,
    )


# --- Reference data --------------------------------------------------------------------------


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "division_type"]


class CommuneSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer(read_only=True)

    class Meta:
        model = Commune
        fields = ["code", "name", "division_type", "province"]


class CropSerializer(serializers.ModelSerializer):
    class Meta:
        model = Crop
        fields = ["id", "slug", "name_vi", "name_en", "scientific_name"]


class MarketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Market
        fields = [
            "code",
            "name_vi",
            "name_en",
            "authority",
            "requirements",
            "area_code_pattern",
            "packing_house_code_pattern",
        ]


class PlaceSerializer(serializers.Serializer):
    """Where a record is: the current (2025) commune and province, and the names as issued."""

    province = ProvinceSerializer(source="commune.province")
    commune = serializers.SerializerMethodField()
    legacy_location = serializers.CharField()

    def get_commune(self, obj) -> dict:
        return {"code": obj.commune.code, "name": obj.commune.name}


class CooperativeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cooperative
        fields = ["tax_code", "name"]


# --- Cooperatives ----------------------------------------------------------------------------


class TrademarkRightSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrademarkRight
        fields = ["mark", "decision_number", "granted_on"]


class CooperativeSerializer(serializers.ModelSerializer):
    place = PlaceSerializer(source="*", read_only=True)
    trademark_rights = TrademarkRightSerializer(many=True, read_only=True)

    class Meta:
        model = Cooperative
        fields = [
            "tax_code",
            "name",
            "status",
            "address",
            "place",
            "representative",
            "phone",
            "email",
            "member_households",
            "established_on",
            "trademark_rights",
            "updated_at",
        ]


class CooperativeWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    commune = commune_field()

    class Meta:
        model = Cooperative
        fields = COOPERATIVES.writable_fields()


# --- Certificates ----------------------------------------------------------------------------


class CertificationBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificationBody
        fields = ["code", "name"]


class CertificateSummarySerializer(serializers.ModelSerializer):
    body = CertificationBodySerializer(read_only=True)
    validity = serializers.SerializerMethodField()

    class Meta:
        model = VietGAPCertificate
        fields = ["id", "number", "body", "issued_on", "expires_on", "revoked_on", "validity"]

    def get_validity(self, obj) -> str:
        return dates.certificate_validity(obj)


class CertificateSerializer(CertificateSummarySerializer):
    cooperative = CooperativeRefSerializer(read_only=True)
    crop = CropSerializer(read_only=True)
    place = PlaceSerializer(source="*", read_only=True)

    class Meta(CertificateSummarySerializer.Meta):
        fields = [
            "id",
            "number",
            "standard",
            "body",
            "cooperative",
            "crop",
            "area_ha",
            "expected_yield_tonnes",
            "place",
            "issued_on",
            "expires_on",
            "revoked_on",
            "revocation_reason",
            "validity",
            "updated_at",
        ]

    standard = serializers.SerializerMethodField()

    def get_standard(self, obj) -> str:
        return "VietGAP (TCVN 11892-1:2017)"


class CertificateWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    body = NaturalKeyField(
        slug_field="code", queryset=CertificationBody.objects.all(), normalise=str.strip
    )
    cooperative = cooperative_field()
    crop = crop_field()
    commune = commune_field()

    class Meta:
        model = VietGAPCertificate
        fields = CERTIFICATES.writable_fields()

    def validate_number(self, value):
        # NFC before the uniqueness validators compare it with the stored (NFC) numbers.
        return keys.normalise_certificate_number(value)


# --- Codes -----------------------------------------------------------------------------------


class MarketStatusSerializer(serializers.Serializer):
    market = serializers.CharField(source="market.code")
    status = serializers.ChoiceField(choices=CodeStatus.choices)
    since = serializers.DateField()
    reason = serializers.CharField()


#: How many inspections a code's detail lists, newest first (all: /inspections/?code=...).
INSPECTIONS_SHOWN = 5


class InspectionSummarySerializer(serializers.Serializer):
    """What anyone may read of an inspection (findings and samples need the permission)."""

    id = serializers.IntegerField()
    inspected_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    result = serializers.ChoiceField(choices=InspectionResult.choices)


class SupervisionSerializer(serializers.Serializer):
    """A code's monitoring state today, derived from its inspections
    (registry.rules.supervision)."""

    state = serializers.ChoiceField(choices=SupervisionState.choices)
    monitored_until = serializers.DateField(
        allow_null=True, help_text="The last day the latest inspections cover; null: never."
    )

    def to_representation(self, code):
        inspections = [(i.inspected_on, i.kind) for i in code.inspections.all()]
        markets = supervision.supervised_markets(
            (status.market.code, status.status) for status in code.market_statuses.all()
        )
        end = supervision.monitored_until(inspections, markets)
        return {
            "state": supervision.state_from_end(end),
            "monitored_until": end.isoformat() if end else None,
        }


class GrowerCountsSerializer(serializers.Serializer):
    """What the public may know of a code's growers: how many, and their plots' total area
    (the names are at /api/v1/growers/, for users who may view growers)."""

    count = serializers.IntegerField()
    total_plot_area_ha = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="null: no grower recorded."
    )

    def to_representation(self, code):
        plots = [grower.plot_area_ha for grower in code.growers.all()]
        return {
            "count": len(plots),
            "total_plot_area_ha": str(sum(plots)) if plots else None,
        }


class AreaCodeSerializer(serializers.ModelSerializer):
    crop = CropSerializer(read_only=True)
    cooperative = CooperativeRefSerializer(read_only=True)
    certificate = CertificateSummarySerializer(read_only=True, allow_null=True)
    place = PlaceSerializer(source="*", read_only=True)
    markets = MarketStatusSerializer(source="market_statuses", many=True, read_only=True)
    supervision = SupervisionSerializer(source="*", read_only=True)
    inspections = serializers.SerializerMethodField(
        help_text=f"The latest {INSPECTIONS_SHOWN} inspections, newest first; all of them at "
        "/api/v1/inspections/?code=<code>."
    )

    growers = GrowerCountsSerializer(source="*", read_only=True)
    area_mismatch = serializers.SerializerMethodField(
        help_text="Whether the measured area differs from the declared one by more than the "
        "set share (AREA_MISMATCH_SHARE, 15% by default); null without a boundary."
    )
    boundary = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text="GeoJSON Polygon or MultiPolygon (RFC 7946: longitude first, exterior rings "
        "counter-clockwise), or null.",
    )

    def get_area_mismatch(self, code) -> bool | None:
        return boundaries.area_mismatch(code.measured_area_ha, code.area_ha)

    @extend_schema_field(InspectionSummarySerializer(many=True))
    def get_inspections(self, code) -> list:
        latest = sorted(code.inspections.all(), key=lambda i: (i.inspected_on, i.id), reverse=True)
        return InspectionSummarySerializer(latest[:INSPECTIONS_SHOWN], many=True).data

    class Meta:
        model = AreaCode
        fields = [
            "code",
            "kind",
            "crop",
            "variety",
            "cooperative",
            "certificate",
            "area_ha",
            "measured_area_ha",
            "area_mismatch",
            "households",
            "average_yield_tonnes",
            "place",
            "latitude",
            "longitude",
            "boundary",
            "issued_on",
            "markets",
            "supervision",
            "inspections",
            "growers",
            "updated_at",
        ]


class CodeWriteMixin(ModelCleanMixin):
    """Codes are stored normalised, and their letters never change once issued."""

    def validate_code(self, value):
        if self.instance is not None and keys.normalise_code(value) != self.instance.code:
            raise serializers.ValidationError(_("A code's letters never change once issued."))
        return keys.normalise_code(value)


class AreaCodeWriteSerializer(CodeWriteMixin, serializers.ModelSerializer):
    crop = crop_field()
    cooperative = cooperative_field()
    commune = commune_field()
    certificate = serializers.PrimaryKeyRelatedField(
        queryset=VietGAPCertificate.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = AreaCode
        # the boundary is written here and by its own import (registry.boundary_imports), not
        # by the spreadsheet import: a polygon is no spreadsheet cell
        fields = [*AREA_CODES.writable_fields(), "notes", "boundary"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness is checked on the normalised code


class PackingHouseSerializer(serializers.ModelSerializer):
    place = PlaceSerializer(source="*", read_only=True)
    cooperative = CooperativeRefSerializer(read_only=True, allow_null=True)
    markets = MarketStatusSerializer(source="market_statuses", many=True, read_only=True)

    class Meta:
        model = PackingHouse
        fields = [
            "code",
            "name",
            "operator",
            "address",
            "cooperative",
            "place",
            "latitude",
            "longitude",
            "issued_on",
            "markets",
            "updated_at",
        ]


class PackingHouseWriteSerializer(CodeWriteMixin, serializers.ModelSerializer):
    commune = commune_field()
    cooperative = cooperative_field(required=False, allow_null=True)

    class Meta:
        model = PackingHouse
        fields = [*PACKING_HOUSES.writable_fields(), "notes"]
        extra_kwargs = {"code": {"validators": []}}


# --- Bulk check and status changes -----------------------------------------------------------


class MarketField(NaturalKeyField):
    """A market by its code, in any case."""

    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code",
            queryset=Market.objects.all(),
            normalise=keys.normalise_market_code,
            **kwargs,
        )

    def to_internal_value(self, data):
        return super().to_internal_value(str(data))


class CodeCheckRequestSerializer(serializers.Serializer):
    market = MarketField()
    date = serializers.DateField(
        required=False,
        validators=[dates.validate_in_window],
        help_text="Default: today (Asia/Ho_Chi_Minh).",
    )
    codes = serializers.ListField(
        child=serializers.CharField(max_length=60, trim_whitespace=True),
        min_length=1,
        max_length=1000,
        help_text="Growing-area or packing-house codes, in any case; up to 1000.",
    )
    packing_house = serializers.CharField(
        required=False,
        max_length=60,
        help_text="A packing-house code: also answer, for each code, whether this packing "
        "house may pack it for the market on the date, and the house's own validity.",
    )


class PackingCheckSerializer(serializers.Serializer):
    allowed = serializers.BooleanField(
        help_text="A link in force on the date, and both codes valid for the market."
    )
    reason = serializers.CharField(help_text="Why not; empty when allowed.")
    registration_number = serializers.CharField(
        allow_null=True, help_text="The importing country's number of the link in force."
    )
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)


class CodeCheckResultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The code as sent.")
    exists = serializers.BooleanField()
    kind = serializers.ChoiceField(
        choices=["area_code", "packing_house"], allow_null=True, help_text="What the code is."
    )
    valid = serializers.BooleanField()
    status = serializers.ChoiceField(choices=CodeStatus.choices, allow_null=True)
    status_since = serializers.DateField(allow_null=True)
    reason = serializers.CharField(help_text="Why the code is not valid; empty when it is.")
    packing = PackingCheckSerializer(
        required=False,
        help_text="Only with `packing_house`: may that house pack this code for the market?",
    )

    def to_representation(self, check):
        data = super().to_representation(check)
        if check.packing is None:
            data.pop("packing")
        return data


class PackingHouseCheckSerializer(CodeCheckResultSerializer):
    """The packing house's own validity for the market on the date."""

    class Meta:
        ref_name = "PackingHouseCheck"

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("packing")
        return fields

    def to_representation(self, check):
        return serializers.Serializer.to_representation(self, check)


class CodeCheckResponseSerializer(serializers.Serializer):
    """Documents the bulk check's answer; ``check_answer`` writes it (the same JSON, built by
    hand: DRF's serializers took a third of the time of a 1,000-code check)."""

    market = serializers.CharField()
    date = serializers.DateField()
    packing_house = PackingHouseCheckSerializer(
        required=False, help_text="Only with `packing_house` in the request."
    )
    results = CodeCheckResultSerializer(many=True)

    def to_representation(self, answer):
        data = super().to_representation(answer)
        if answer.get("packing_house") is None:
            data.pop("packing_house", None)
        return data


def _day(value):
    return value.isoformat() if value is not None else None


def _check(check) -> dict:
    return {
        "code": check.code,
        "exists": check.exists,
        "kind": check.kind,
        "valid": check.valid,
        "status": check.status,
        "status_since": _day(check.status_since),
        "reason": check.reason,
    }


def check_answer(market: str, day, house, results) -> dict:
    """The bulk check's answer as ``CodeCheckResponseSerializer`` documents it
    (tests/test_packing_sources.py holds the two equal)."""
    answer = {"market": market, "date": _day(day)}
    if house is not None:
        answer["packing_house"] = _check(house)
    rows = []
    for check in results:
        row = _check(check)
        if check.packing is not None:
            packing = check.packing
            row["packing"] = {
                "allowed": packing.allowed,
                "reason": packing.reason,
                "registration_number": packing.registration_number,
                "valid_from": _day(packing.valid_from),
                "valid_until": _day(packing.valid_until),
            }
        rows.append(row)
    answer["results"] = rows
    return answer


class StatusChangeSerializer(serializers.Serializer):
    market = serializers.CharField(source="market.code", read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.ChoiceField(choices=CodeStatus.choices, read_only=True)
    effective_on = serializers.DateField(read_only=True)
    reason = serializers.CharField(read_only=True)
    source = serializers.ChoiceField(choices=ChangeSource.choices, read_only=True)
    reference = serializers.CharField(read_only=True)
    acting_office = serializers.SerializerMethodField(
        help_text="Who recorded the change: the registry's office, or the registry itself "
        "(automatic changes such as certificate expiry)."
    )
    recorded_by = serializers.SerializerMethodField(
        help_text="The username of who recorded it: only for signed-in staff, null otherwise."
    )
    recorded_at = serializers.DateTimeField(read_only=True)

    def get_acting_office(self, change) -> str:
        if change.recorded_by_id is None:
            return gettext("the registry (automatic)")
        return settings.REGISTRY_OFFICE_NAME

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by(self, change) -> str | None:
        request = self.context.get("request")
        if change.recorded_by_id is None or request is None or not request.user.is_staff:
            return None
        return change.recorded_by.username


class StatusChangeRequestSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=CodeStatus.choices)
    markets = serializers.ListField(
        child=MarketField(),
        required=False,
        help_text="Market codes; leave out to change every market the code has a status for.",
    )
    effective_on = serializers.DateField(
        required=False, validators=[dates.validate_in_window], help_text="Default: today."
    )
    reason = serializers.CharField()
    source = serializers.ChoiceField(choices=ChangeSource.choices)
    reference = serializers.CharField(required=False, allow_blank=True, default="")
