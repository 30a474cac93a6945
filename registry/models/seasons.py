"""Seasons: what a growing area is expected to yield and did yield in one crop year, and the
tonnes declared for export per market (Decision 3156/QĐ-BNN-TT asks each season's record to
hold variety, area, standard, expected output, harvest time, market and actual output).

Whether a season's figures exceed what its area can grow is derived in
``registry.rules.capacity``, never stored. An administrator who judges a flag acceptable
records a ``CapacityClearance`` (who, when, note, and the figures cleared): it clears the flag
for those figures only, so the flag comes back when they change.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.choices import SeasonStandard
from registry.models.base import RegistryModel
from registry.models.catalog import Market
from registry.models.codes import AreaCode
from registry.rules.dates import validate_in_window

FIRST_CROP_YEAR = 2000
#: A harvest window longer than this is a typing error, not a season.
LONGEST_HARVEST = timedelta(days=366)

TONNES = {"max_digits": 12, "decimal_places": 2}


def tonnes_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, validators=[MinValueValidator(Decimal("0"))], **TONNES, **kwargs
    )


class Season(RegistryModel):
    """One crop year of one growing-area code (unique together)."""

    area_code = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="seasons",
        verbose_name=_("growing-area code"),
    )
    crop_year = models.PositiveSmallIntegerField(
        _("crop year"),
        validators=[MinValueValidator(FIRST_CROP_YEAR), MaxValueValidator(2100)],
        help_text=_("The year the harvest begins in."),
    )
    variety = models.CharField(
        _("variety"), max_length=100, blank=True, help_text=_("Empty: the code's variety.")
    )
    area_ha = models.DecimalField(
        _("area (ha)"),
        max_digits=10,
        decimal_places=2,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The area harvested this season. Empty: the code's area."),
    )
    standard = models.CharField(
        _("standard"), max_length=20, choices=SeasonStandard.choices, default=SeasonStandard.VIETGAP
    )
    expected_tonnes = tonnes_field(_("expected output (tonnes)"))
    harvest_start = models.DateField(_("harvest starts"), validators=[validate_in_window])
    harvest_end = models.DateField(_("harvest ends"), validators=[validate_in_window])
    actual_tonnes = tonnes_field(
        _("actual output (tonnes)"),
        null=True,
        blank=True,
        help_text=_("Empty until the harvest is weighed."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("area_code.code", "variety", "notes")

    class Meta:
        ordering = ["area_code__code", "-crop_year"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "crop_year"], name="season_one_per_code_and_year"
            ),
            models.CheckConstraint(
                condition=models.Q(harvest_end__gte=models.F("harvest_start")),
                name="season_harvest_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(area_ha__gt=0), name="season_area_positive"),
            models.CheckConstraint(
                condition=models.Q(expected_tonnes__gte=0), name="season_expected_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(actual_tonnes__isnull=True) | models.Q(actual_tonnes__gte=0),
                name="season_actual_not_negative",
            ),
        ]

    def __str__(self) -> str:
        code = self.area_code.code if self.area_code_id else "?"
        return f"{code} · {self.crop_year}"

    @property
    def key(self) -> str:
        """How the API names a season: ``VN-SLOR-0001:2025``."""
        return f"{self.area_code.code}:{self.crop_year}"

    @property
    def output_tonnes(self) -> Decimal:
        """The season's output as far as it is known: actual once weighed, else expected."""
        return self.expected_tonnes if self.actual_tonnes is None else self.actual_tonnes

    def fill_from_code(self) -> None:
        """An empty area or variety is the code's."""
        if self.area_code_id:
            if self.area_ha is None:
                self.area_ha = self.area_code.area_ha
            if not self.variety:
                self.variety = self.area_code.variety

    def clean(self) -> None:
        self.fill_from_code()
        errors = {}
        start, end = self.harvest_start, self.harvest_end
        if start and end:
            if end < start:
                errors["harvest_end"] = _("The harvest cannot end before it starts.")
            elif end - start > LONGEST_HARVEST:
                errors["harvest_end"] = _("A harvest window is at most a year long.")
        if start and self.crop_year and start.year != self.crop_year:
            errors["harvest_start"] = _("The harvest must start in the crop year (%(year)s).") % {
                "year": self.crop_year
            }
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.fill_from_code()
        super().save(*args, **kwargs)


class SeasonMarket(models.Model):
    """Tonnes of a season declared for export to one market."""

    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="declarations", verbose_name=_("season")
    )
    market = models.ForeignKey(
        Market,
        on_delete=models.PROTECT,
        related_name="season_declarations",
        verbose_name=_("market"),
    )
    tonnes = tonnes_field(_("declared for export (tonnes)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["season", "market__code"]
        verbose_name = _("export declaration")
        verbose_name_plural = _("export declarations")
        constraints = [
            models.UniqueConstraint(fields=["season", "market"], name="season_market_once"),
            models.CheckConstraint(
                condition=models.Q(tonnes__gte=0), name="season_market_tonnes_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market.code}: {self.tonnes} t"


class CapacityClearance(models.Model):
    """An administrator's review of a flagged season: who, when, why, and the figures reviewed.
    It clears the flag only while the season's figures are still these (a changed area,
    output, declaration or crop maximum brings the flag back)."""

    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="clearances", verbose_name=_("season")
    )
    note = models.TextField(_("note"))
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)
    # The figures reviewed (registry.rules.capacity.Figures)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=2)
    max_yield_tonnes_per_ha = models.DecimalField(
        _("maximum plausible yield (tonnes/ha)"), max_digits=6, decimal_places=2, null=True
    )
    expected_tonnes = models.DecimalField(_("expected output (tonnes)"), **TONNES)
    actual_tonnes = models.DecimalField(_("actual output (tonnes)"), null=True, **TONNES)
    declared_tonnes = models.DecimalField(_("declared for export (tonnes)"), **TONNES)
    history = HistoricalRecords()

    class Meta:
        ordering = ["season", "-cleared_at", "-id"]
        verbose_name = _("capacity clearance")
        verbose_name_plural = _("capacity clearances")

    def __str__(self) -> str:
        return (
            f"{self.season} · {self.cleared_at:%Y-%m-%d}" if self.cleared_at else str(self.season)
        )
