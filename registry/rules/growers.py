"""Whether a code's growers agree with its own area and household count: advice shown to the
people who may see growers (admin, API), never a reason to refuse a save (the households
change between inspections; the code's figures are those of its decision)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from registry.models import AreaCode, Grower


def totals(area_code_ids) -> dict[int, tuple[int, Decimal]]:
    """(number of growers, total plot area) per code that has growers: one query."""
    rows = (
        Grower.objects.filter(area_code_id__in=list(area_code_ids))
        .order_by()
        .values("area_code_id")
        .annotate(count=Count("id"), area=Sum("plot_area_ha"))
    )
    # hundredths of a hectare, as stored (SQLite's SUM drops the scale: 3 for 3.00)
    return {
        row["area_code_id"]: (row["count"], Decimal(row["area"]).quantize(HUNDREDTH))
        for row in rows
    }


HUNDREDTH = Decimal("0.01")


def disagreements(
    code: str,
    households: int | None,
    area_ha: Decimal | None,
    count: int,
    total_area: Decimal | None,
) -> list[str]:
    """Warnings when the growers recorded disagree with the code: their number with its
    farming households, their plots' total with its area beyond
    ``GROWER_AREA_TOLERANCE_PERCENT`` (no growers recorded: nothing to compare)."""
    if not count:
        return []
    warnings = []
    if households is not None and count != households:
        warnings.append(
            _("%(code)s lists %(count)s growers but %(households)s farming households.")
            % {"code": code, "count": count, "households": households}
        )
    tolerance = Decimal(str(settings.GROWER_AREA_TOLERANCE_PERCENT)) / 100
    if area_ha and total_area is not None and abs(total_area - area_ha) > area_ha * tolerance:
        warnings.append(
            _("The growers' plots of %(code)s total %(total)s ha; the code covers %(area)s ha.")
            % {"code": code, "total": total_area, "area": area_ha}
        )
    return warnings


def warnings_for(area_codes: list[AreaCode]) -> list[str]:
    """The disagreements of ``area_codes``: one query."""
    found = totals(code.pk for code in area_codes)
    warnings = []
    for code in area_codes:
        count, area = found.get(code.pk, (0, None))
        warnings += disagreements(code.code, code.households, code.area_ha, count, area)
    return warnings
