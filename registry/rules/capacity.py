"""Can the area have grown what a season says? Derived from the season's figures, never stored.

A season's **capacity** is its area × its crop's maximum plausible yield (tonnes/ha, edited by
administrators on the crop; no maximum: no capacity). Its **output** is the actual output once
weighed, else the expected one. Its **declared** tonnes are the sum of its export declarations
(all markets). The season is flagged, with one reason each, when

- the expected output is above capacity (``expected_above_capacity``);
- the actual output is above capacity (``actual_above_capacity``);
- the declared tonnes are above capacity (``declared_above_capacity``);
- the declared tonnes are above the output (``declared_above_output``).

A flag is a warning: an administrator who finds it acceptable clears it with a note
(``CapacityClearance``), which records the figures reviewed. The season is then **cleared**
while its figures are still exactly those; **exceeded** when flagged and not cleared; **ok**
when not flagged. Figures that change back to ones already cleared are cleared again.

``figures_of`` / ``reasons`` / ``capacity_state`` are the Python form; ``flagged_q`` /
``cleared_q`` / ``state_q`` / ``state_expression`` the query form.
tests/test_rule_forms.py holds them together against a hand-written table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from registry.choices import CapacityReason, CapacityState
from registry.models import CapacityClearance, Season, SeasonMarket

ZERO = Decimal("0")

# --- Python form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the check reads of a season; what a clearance records."""

    area_ha: Decimal
    max_yield: Decimal | None
    expected: Decimal
    actual: Decimal | None
    declared: Decimal

    @property
    def capacity(self) -> Decimal | None:
        return None if self.max_yield is None else self.area_ha * self.max_yield

    @property
    def output(self) -> Decimal:
        return self.expected if self.actual is None else self.actual


def figures_of(season: Season, declarations: Iterable | None = None) -> Figures:
    """A season's figures; ``declarations`` (its ``SeasonMarket`` rows) when already read."""
    if declarations is None:
        declarations = season.declarations.all()
    return Figures(
        area_ha=season.area_ha,
        max_yield=season.area_code.crop.max_yield_tonnes_per_ha,
        expected=season.expected_tonnes,
        actual=season.actual_tonnes,
        declared=sum((d.tonnes for d in declarations), ZERO),
    )


def cleared_figures(clearance: CapacityClearance) -> Figures:
    return Figures(
        area_ha=clearance.area_ha,
        max_yield=clearance.max_yield_tonnes_per_ha,
        expected=clearance.expected_tonnes,
        actual=clearance.actual_tonnes,
        declared=clearance.declared_tonnes,
    )


def reasons(figures: Figures) -> list[str]:
    """The reasons (``CapacityReason`` values) the figures are flagged for, in a fixed order."""
    found = []
    capacity = figures.capacity
    if capacity is not None:
        if figures.expected > capacity:
            found.append(CapacityReason.EXPECTED_ABOVE_CAPACITY)
        if figures.actual is not None and figures.actual > capacity:
            found.append(CapacityReason.ACTUAL_ABOVE_CAPACITY)
        if figures.declared > capacity:
            found.append(CapacityReason.DECLARED_ABOVE_CAPACITY)
    if figures.declared > figures.output:
        found.append(CapacityReason.DECLARED_ABOVE_OUTPUT)
    return found


def capacity_state(figures: Figures, cleared: Iterable[Figures] = ()) -> str:
    """ok, exceeded or cleared (see the module docstring); ``cleared``: the figures of the
    season's clearances."""
    if not reasons(figures):
        return CapacityState.OK
    if figures in set(cleared):
        return CapacityState.CLEARED
    return CapacityState.EXCEEDED


def _t(value: Decimal) -> str:
    """Tonnes as people write them: ``120`` or ``12.5``."""
    return format(value.normalize(), "f")


def explain(reason: str, figures: Figures) -> str:
    """One reason in words, with its numbers, in the reader's language."""
    numbers = {
        "capacity": _t(figures.capacity) if figures.capacity is not None else "",
        "area": _t(figures.area_ha),
        "max_yield": _t(figures.max_yield) if figures.max_yield is not None else "",
        "expected": _t(figures.expected),
        "actual": _t(figures.actual) if figures.actual is not None else "",
        "declared": _t(figures.declared),
        "output": _t(figures.output),
    }
    messages = {
        CapacityReason.EXPECTED_ABOVE_CAPACITY: _(
            "Expected output %(expected)s t is above what %(area)s ha can grow "
            "(%(capacity)s t at %(max_yield)s t/ha)."
        ),
        CapacityReason.ACTUAL_ABOVE_CAPACITY: _(
            "Actual output %(actual)s t is above what %(area)s ha can grow "
            "(%(capacity)s t at %(max_yield)s t/ha)."
        ),
        CapacityReason.DECLARED_ABOVE_CAPACITY: _(
            "%(declared)s t declared for export is above what %(area)s ha can grow "
            "(%(capacity)s t at %(max_yield)s t/ha)."
        ),
        CapacityReason.DECLARED_ABOVE_OUTPUT: _(
            "%(declared)s t declared for export is above the season's output (%(output)s t)."
        ),
    }
    return messages[reason] % numbers


def clearance_figures(season: Season) -> Figures:
    """The figures a clearance of ``season`` records, read fresh from the database."""
    season = Season.objects.select_related("area_code__crop").get(pk=season.pk)
    return figures_of(season)


# --- Query form ----------------------------------------------------------------------------

_DECIMAL = models.DecimalField(max_digits=20, decimal_places=4)
#: stands for NULL when clearance figures are compared (tonnes and yields are never negative)
_NONE = Value(Decimal("-1"), output_field=_DECIMAL)


def declared_total(season_ref) -> Coalesce:
    """The tonnes declared for export by the season ``season_ref`` names (0 when none)."""
    total = (
        SeasonMarket.objects.filter(season=season_ref)
        .order_by()
        .values("season")
        .annotate(total=Sum("tonnes"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(ZERO), output_field=_DECIMAL)


def reason_q(reason: str) -> Q:
    """Seasons flagged for ``reason``. Never NULL: every nullable operand is guarded."""
    has_capacity = Q(area_code__crop__max_yield_tonnes_per_ha__isnull=False)
    capacity = models.ExpressionWrapper(
        F("area_ha") * F("area_code__crop__max_yield_tonnes_per_ha"), output_field=_DECIMAL
    )
    declared = declared_total(OuterRef("pk"))
    if reason == CapacityReason.EXPECTED_ABOVE_CAPACITY:
        return has_capacity & Q(GreaterThan(F("expected_tonnes"), capacity))
    if reason == CapacityReason.ACTUAL_ABOVE_CAPACITY:
        return (
            has_capacity
            & Q(actual_tonnes__isnull=False)
            & Q(GreaterThan(F("actual_tonnes"), capacity))
        )
    if reason == CapacityReason.DECLARED_ABOVE_CAPACITY:
        return has_capacity & Q(GreaterThan(declared, capacity))
    if reason == CapacityReason.DECLARED_ABOVE_OUTPUT:
        output = Coalesce("actual_tonnes", "expected_tonnes", output_field=_DECIMAL)
        return Q(GreaterThan(declared, output))
    raise ValueError(f"Unknown capacity reason: {reason}")


def flagged_q() -> Q:
    """Seasons with at least one reason."""
    condition = Q()
    for reason in CapacityReason.values:
        condition |= reason_q(reason)
    return condition


def cleared_q() -> Q:
    """Seasons with a clearance whose figures are the season's figures now."""
    matching = (
        CapacityClearance.objects.filter(season=OuterRef("pk"))
        .alias(
            now_declared=declared_total(OuterRef("season_id")),
            cleared_actual=Coalesce("actual_tonnes", _NONE, output_field=_DECIMAL),
            cleared_max_yield=Coalesce("max_yield_tonnes_per_ha", _NONE, output_field=_DECIMAL),
        )
        .filter(
            area_ha=OuterRef("area_ha"),
            expected_tonnes=OuterRef("expected_tonnes"),
            declared_tonnes=F("now_declared"),
            cleared_actual=Coalesce(OuterRef("actual_tonnes"), _NONE, output_field=_DECIMAL),
            cleared_max_yield=Coalesce(
                OuterRef("area_code__crop__max_yield_tonnes_per_ha"), _NONE, output_field=_DECIMAL
            ),
        )
    )
    return Q(Exists(matching))


def state_q(state: str) -> Q:
    """The query form of ``capacity_state``: seasons in ``state``."""
    if state == CapacityState.OK:
        return ~flagged_q()
    if state == CapacityState.CLEARED:
        return flagged_q() & cleared_q()
    if state == CapacityState.EXCEEDED:
        return flagged_q() & ~cleared_q()
    raise ValueError(f"Unknown capacity state: {state}")


def state_expression() -> Case:
    """Each season's state as a column (downloads, counts)."""
    return Case(
        When(~flagged_q(), then=Value(CapacityState.OK.value)),
        When(cleared_q(), then=Value(CapacityState.CLEARED.value)),
        default=Value(CapacityState.EXCEEDED.value),
        output_field=models.CharField(),
    )


def counts() -> dict[str, int]:
    """How many seasons are in each state (one query). For the admin dashboard."""
    found = dict.fromkeys(CapacityState.values, 0)
    rows = (
        Season.objects.annotate(state=state_expression())
        .order_by()
        .values("state")
        .annotate(n=models.Count("id"))
    )
    for row in rows:
        found[row["state"]] = row["n"]
    return found


# --- Clearing ------------------------------------------------------------------------------


class NothingToClear(ValueError):
    pass


def clear(season: Season, user, note: str) -> CapacityClearance:
    """Record that ``user`` reviewed ``season``'s flag and finds it acceptable, for the season's
    figures as they are now. Refused for a season not flagged, or without a note."""
    note = (note or "").strip()
    if not note:
        raise NothingToClear(_("Write a note saying why the figures are acceptable."))
    figures = clearance_figures(season)
    if not reasons(figures):
        raise NothingToClear(_("This season is within capacity: there is nothing to clear."))
    return CapacityClearance.objects.create(
        season=season,
        note=note,
        cleared_by=user,
        area_ha=figures.area_ha,
        max_yield_tonnes_per_ha=figures.max_yield,
        expected_tonnes=figures.expected,
        actual_tonnes=figures.actual,
        declared_tonnes=figures.declared,
    )


def may_clear(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("registry.add_capacityclearance"))
