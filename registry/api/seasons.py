"""``/api/v1/seasons/``: expected and actual output of a code's crop year, the tonnes declared
for export per market, and the capacity check (``registry.rules.capacity``).

A season's key is its code and crop year, ``VN-SLOR-0001:2025`` (its id works too). Anyone may
read the figures and the check's state and reasons; who cleared a flag and why is for signed-in
users who may view clearances (every role). Writing needs the model's add/change permission
(Administrators and Data entry); clearing a flag (``POST …/clear/``) is for Administrators.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from registry import keys
from registry.api.downloads import DownloadMixin
from registry.api.serializers import MarketField, ModelCleanMixin, NaturalKeyField
from registry.api.viewsets import RegistryViewSet, documented
from registry.filtersets import SeasonFilterSet
from registry.models import (
    AreaCode,
    CapacityClearance,
    CapacityReason,
    CapacityState,
    Season,
    SeasonMarket,
)
from registry.rules import capacity

CLEARANCE_PERMISSION = "registry.view_capacityclearance"


class DeclarationSerializer(serializers.Serializer):
    market = MarketField(help_text="Market code, e.g. CN.")
    tonnes = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Tonnes declared for export."
    )

    def to_representation(self, declaration):
        return {"market": declaration.market.code, "tonnes": str(declaration.tonnes)}


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=CapacityReason.choices)
    message = serializers.CharField()


class ClearanceSerializer(serializers.Serializer):
    cleared_at = serializers.DateTimeField()
    cleared_by = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    current = serializers.BooleanField(
        help_text="Whether it was given for the season's figures as they are now."
    )


class CapacitySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CapacityState.choices)
    capacity_tonnes = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        allow_null=True,
        help_text="Area × the crop's maximum plausible yield; null: the crop has none.",
    )
    max_yield_tonnes_per_ha = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True
    )
    declared_tonnes = serializers.DecimalField(max_digits=14, decimal_places=2)
    reasons = ReasonSerializer(many=True)
    clearances = ClearanceSerializer(
        many=True, allow_null=True, help_text="Newest first; null unless signed in."
    )


def _number(value):
    return None if value is None else format(value, "f")


class SeasonSerializer(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True, help_text="<code>:<crop year>")
    code = serializers.CharField(source="area_code.code", read_only=True)
    crop = serializers.CharField(source="area_code.crop.slug", read_only=True)
    declarations = serializers.SerializerMethodField()
    capacity = serializers.SerializerMethodField()

    class Meta:
        model = Season
        fields = [
            "id",
            "key",
            "code",
            "crop_year",
            "crop",
            "variety",
            "area_ha",
            "standard",
            "expected_tonnes",
            "harvest_start",
            "harvest_end",
            "actual_tonnes",
            "declarations",
            "capacity",
            "updated_at",
        ]

    @extend_schema_field(DeclarationSerializer(many=True))
    def get_declarations(self, season) -> list:
        return [DeclarationSerializer().to_representation(d) for d in season.declarations.all()]

    @extend_schema_field(CapacitySerializer)
    def get_capacity(self, season) -> dict:
        figures = capacity.figures_of(season)
        cleared = [capacity.cleared_figures(c) for c in season.clearances.all()]
        return {
            "state": capacity.capacity_state(figures, cleared),
            "capacity_tonnes": _number(figures.capacity),
            "max_yield_tonnes_per_ha": _number(figures.max_yield),
            "declared_tonnes": _number(figures.declared),
            "reasons": [
                {"code": reason, "message": capacity.explain(reason, figures)}
                for reason in capacity.reasons(figures)
            ],
            "clearances": self._clearances(season, figures),
        }

    def _clearances(self, season, figures):
        user = getattr(self.context.get("request"), "user", None)
        if not (user and user.is_authenticated and user.has_perm(CLEARANCE_PERMISSION)):
            return None
        return [
            {
                "cleared_at": serializers.DateTimeField().to_representation(c.cleared_at),
                "cleared_by": c.cleared_by.get_username() if c.cleared_by else None,
                "note": c.note,
                "current": capacity.cleared_figures(c) == figures,
            }
            for c in season.clearances.all()
        ]


class SeasonWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """The code by its key, markets by their codes; ``declarations``, when sent, replace the
    season's declarations. An empty ``area_ha`` or ``variety`` is the code's."""

    code = NaturalKeyField(
        source="area_code",
        slug_field="code",
        queryset=AreaCode.objects.all(),
        normalise=keys.normalise_code,
    )
    declarations = DeclarationSerializer(many=True, required=False)

    class Meta:
        model = Season
        fields = [
            "code",
            "crop_year",
            "variety",
            "area_ha",
            "standard",
            "expected_tonnes",
            "harvest_start",
            "harvest_end",
            "actual_tonnes",
            "notes",
            "declarations",
        ]
        validators = []  # one season per code and year: checked in validate(), by field name
        extra_kwargs = {"area_ha": {"required": False, "allow_null": True}}

    def validate_declarations(self, declarations):
        markets = [d["market"].code for d in declarations]
        repeated = sorted({m for m in markets if markets.count(m) > 1})
        if repeated:
            raise serializers.ValidationError(
                _("Each market once: %(markets)s repeated.") % {"markets": ", ".join(repeated)}
            )
        return declarations

    def validate(self, attrs):
        plain = {k: v for k, v in attrs.items() if k != "declarations"}
        super().validate(plain)
        area_code = attrs.get("area_code", getattr(self.instance, "area_code", None))
        crop_year = attrs.get("crop_year", getattr(self.instance, "crop_year", None))
        others = Season.objects.filter(area_code=area_code, crop_year=crop_year)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if area_code is not None and others.exists():
            raise serializers.ValidationError(
                {"crop_year": [_("This code already has a season for that crop year.")]}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        declarations = validated_data.pop("declarations", None)
        season = Season.objects.create(**validated_data)
        self._declare(season, declarations)
        return season

    @transaction.atomic
    def update(self, season, validated_data):
        declarations = validated_data.pop("declarations", None)
        for name, value in validated_data.items():
            setattr(season, name, value)
        season.save()
        self._declare(season, declarations)
        return season

    @staticmethod
    def _declare(season, declarations) -> None:
        if declarations is None:
            return
        wanted = {d["market"].pk: d["tonnes"] for d in declarations}
        for declaration in season.declarations.all():
            if declaration.market_id not in wanted:
                declaration.delete()
            elif declaration.tonnes != wanted[declaration.market_id]:
                declaration.tonnes = wanted.pop(declaration.market_id)
                declaration.save()
            else:
                wanted.pop(declaration.market_id)
        for market_id, tonnes in wanted.items():
            SeasonMarket.objects.create(season=season, market_id=market_id, tonnes=tonnes)


class ClearRequestSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="Why the figures are acceptable.")


def _plain_number(text: str, most_digits: int) -> bool:
    """ASCII digits only, few enough for the column ("³" is a digit to Python)."""
    return text.isascii() and text.isdigit() and len(text) <= most_digits


def season_queryset():
    return Season.objects.select_related("area_code__crop").prefetch_related(
        Prefetch("declarations", queryset=SeasonMarket.objects.select_related("market")),
        Prefetch(
            "clearances",
            queryset=CapacityClearance.objects.select_related("cleared_by").order_by(
                "-cleared_at", "-id"
            ),
        ),
    )


@documented(SeasonSerializer, SeasonWriteSerializer)
class SeasonViewSet(DownloadMixin, RegistryViewSet):
    """Seasons of growing-area codes, by ``<code>:<crop year>`` (or id)."""

    queryset = season_queryset()
    serializer_class = SeasonSerializer
    write_serializer_class = SeasonWriteSerializer
    filterset_class = SeasonFilterSet
    ordering = ["area_code__code", "-crop_year"]
    ordering_fields = ["crop_year", "expected_tonnes", "actual_tonnes", "updated_at", "id"]

    def get_object(self):
        value = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        queryset = self.get_queryset()
        code, _colon, year = value.rpartition(":")
        if _plain_number(value, 18):
            found = queryset.filter(pk=int(value)).first()
        elif code and _plain_number(year, 4):
            found = queryset.filter(
                area_code__code=keys.normalise_code(code), crop_year=int(year)
            ).first()
        else:
            found = None
        if found is None:
            raise Http404
        self.check_object_permissions(self.request, found)
        return found

    @extend_schema(
        request=ClearRequestSerializer,
        responses=SeasonSerializer,
        summary="Clear a season's capacity flag with a note (administrators)",
        description=(
            "Records who cleared the flag, when, why, and the figures reviewed. The flag "
            "comes back when those figures change."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def clear(self, request, pk=None):
        if not capacity.may_clear(request.user):
            raise PermissionDenied(_("Only administrators may clear a capacity flag."))
        body = ClearRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        season = self.get_object()
        try:
            capacity.clear(season, request.user, body.validated_data["note"])
        except capacity.NothingToClear as error:
            raise serializers.ValidationError({"capacity": [str(error)]}) from error
        return self._answer(season, 200)
