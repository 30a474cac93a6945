"""Which growing areas a packing house may pack for which market: one row per packing house,
growing-area code and market, for a window of dates, with the importing country's
registration or approval number for that pair where one exists (e.g. the GACC registration).

A link only records the permission; whether the packing house *may* pack the code on a day
(link in force, and both codes valid for the market that day) is the rule in
``registry.rules.packing``, never stored.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models.base import RegistryModel
from registry.models.catalog import Market
from registry.models.codes import AreaCode, PackingHouse
from registry.rules.dates import validate_in_window


class PackingHouseSource(RegistryModel):
    packing_house = models.ForeignKey(
        PackingHouse,
        on_delete=models.PROTECT,
        related_name="sources",
        verbose_name=_("packing house"),
    )
    area_code = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="packing_house_links",
        verbose_name=_("growing-area code"),
    )
    market = models.ForeignKey(
        Market, on_delete=models.PROTECT, related_name="+", verbose_name=_("market")
    )
    valid_from = models.DateField(_("valid from"), validators=[validate_in_window])
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        validators=[validate_in_window],
        help_text=_("Last day the link holds; empty: until further notice."),
    )
    registration_number = models.CharField(
        _("importing country's registration number"),
        max_length=100,
        blank=True,
        help_text=_("The importing country's registration or approval number for this pair."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = (
        "packing_house.code",
        "packing_house.name",
        "area_code.code",
        "market.code",
        "registration_number",
    )

    #: Set by the spreadsheet import, which checks a whole batch for overlapping windows in
    #: one query (``registry.imports.PackingHouseSourceResource``), so ``clean()`` does not
    #: ask again for each row. (The engine's name for "checked for the batch".)
    code_checked_unique = False

    class Meta:
        ordering = ["packing_house__code", "area_code__code", "market__code", "valid_from"]
        verbose_name = _("packing-house source")
        verbose_name_plural = _("packing-house sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="packing_source_window_order",
            ),
            models.UniqueConstraint(
                fields=["packing_house", "area_code", "market", "valid_from"],
                name="packing_source_unique_start",
            ),
            # No two windows of one pair and market overlap: checked by clean() and, on
            # PostgreSQL, by an exclusion constraint (migration 0013).
        ]
        indexes = [
            models.Index(fields=["area_code", "market"], name="packing_source_code_idx"),
            models.Index(fields=["packing_house", "market"], name="packing_source_house_idx"),
        ]

    def __str__(self) -> str:
        house = self.packing_house.code if self.packing_house_id else "?"
        code = self.area_code.code if self.area_code_id else "?"
        market = self.market.code if self.market_id else "?"
        return f"{house} ← {code} ({market})"

    def overlapping(self) -> models.QuerySet:
        """Other links of the same pair and market whose window meets this one's."""
        others = PackingHouseSource.objects.filter(
            packing_house_id=self.packing_house_id,
            area_code_id=self.area_code_id,
            market_id=self.market_id,
        ).exclude(pk=self.pk)
        others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from))
        if self.valid_until is not None:
            others = others.filter(valid_from__lte=self.valid_until)
        return others

    def clean(self) -> None:
        errors = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The link cannot end before it starts.")
        elif (
            not self.code_checked_unique
            and self.valid_from
            and self.packing_house_id
            and self.area_code_id
            and self.market_id
        ):
            clash = self.overlapping().order_by("valid_from").first()
            if clash is not None:
                errors["valid_from"] = overlap_message(clash.valid_from, clash.valid_until)
        if errors:
            raise ValidationError(errors)


def overlap_message(valid_from, valid_until) -> str:
    return _(
        "This packing house already has a link to this code for this market from "
        "%(start)s to %(end)s: the windows may not overlap."
    ) % {
        "start": valid_from.isoformat(),
        "end": valid_until.isoformat() if valid_until else "…",
    }
