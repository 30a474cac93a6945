"""Is a code being supervised? Derived from its inspections, never stored.

Each inspection keeps a code *monitored* for an interval after its date: ``SUPERVISION_
INTERVAL_MONTHS`` (default 12; the national rule is not confirmed), overridden per market, per
inspection kind or per "MARKET:kind" by ``SUPERVISION_INTERVAL_OVERRIDES``. A code is held to
the interval of every market it still has (active or suspended; revoked markets need no
supervision; a code with none is held to the plain interval), so its supervision lasts until

    monitored_until = min over its markets M of (max over its inspections I of
                      I.date + interval(M, I.kind) months)

and on a day D it is

- **never** inspected: no inspection at all;
- **overdue**: ``monitored_until < D``;
- **due**: ``D <= monitored_until <= D + SUPERVISION_DUE_WITHIN_DAYS``;
- **monitored**: later than that.

Every inspection counts, whatever its result (supervision is whether someone looked; what
they found is the result, and may propose a suspension: ``registry.rules.inspections``).

``supervision_state`` is the Python form; ``state_q`` / ``state_expression`` the query form.
tests/test_rule_forms.py and tests/test_supervision.py hold them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When

from registry.choices import CodeStatus, InspectionKind, SupervisionState
from registry.models import AreaCode, Inspection
from registry.rules.dates import add_months, today
from registry.rules.queries import status_models

# --- The interval --------------------------------------------------------------------------


def interval_months(market_code: str | None, kind: str) -> int:
    """Months an inspection of ``kind`` keeps a code monitored for ``market_code`` (None: a
    code with no market): the most specific override, else the default."""
    overrides = settings.SUPERVISION_INTERVAL_OVERRIDES
    keys = [f"{market_code}:{kind}", market_code] if market_code else []
    for key in [*keys, kind]:
        if key in overrides:
            return int(overrides[key])
    return settings.SUPERVISION_INTERVAL_MONTHS


def overridden_markets() -> list[str]:
    """The market codes the overrides name (alone or with a kind)."""
    named = {key.split(":")[0] for key in settings.SUPERVISION_INTERVAL_OVERRIDES}
    return sorted(named - set(InspectionKind.values))


def due_window() -> timedelta:
    return timedelta(days=settings.SUPERVISION_DUE_WITHIN_DAYS)


# --- Python form ---------------------------------------------------------------------------


def monitored_until(
    inspections: Iterable[tuple[date, str]], market_codes: Iterable[str]
) -> date | None:
    """The last day the code counts as monitored, from its inspections ``(date, kind)`` and
    the codes of the markets it still has; None when it was never inspected."""
    inspections = list(inspections)
    if not inspections:
        return None
    markets = list(market_codes) or [None]
    return min(
        max(add_months(on, interval_months(market, kind)) for on, kind in inspections)
        for market in markets
    )


def state_from_end(end: date | None, on: date | None = None) -> str:
    on = on or today()
    if end is None:
        return SupervisionState.NEVER
    if end < on:
        return SupervisionState.OVERDUE
    if end <= on + due_window():
        return SupervisionState.DUE
    return SupervisionState.MONITORED


def supervision_state(
    inspections: Iterable[tuple[date, str]], market_codes: Iterable[str], on: date | None = None
) -> str:
    """monitored, due, overdue or never (see the module docstring)."""
    return state_from_end(monitored_until(inspections, market_codes), on)


def supervised_markets(statuses: Iterable[tuple[str, str]]) -> list[str]:
    """The market codes, from ``(market code, status)`` pairs, that supervision holds a code
    to: those not revoked."""
    return [market for market, status in statuses if status != CodeStatus.REVOKED]


def subject_supervision(subject, on: date | None = None) -> tuple[str, date | None]:
    """(state, monitored until) of one area code or packing house, read from the database."""
    current_model, _ = status_models(type(subject))
    statuses = current_model.objects.filter(subject=subject).values_list("market__code", "status")
    inspections = Inspection.objects.filter(**{_relation(type(subject)): subject}).values_list(
        "inspected_on", "kind"
    )
    end = monitored_until(inspections, supervised_markets(statuses))
    return state_from_end(end, on), end


# --- Query form ----------------------------------------------------------------------------


def _relation(subject_model) -> str:
    return "area_code" if subject_model is AreaCode else "packing_house"


def earliest_inspection_reaching(months: int, day: date) -> date:
    """The earliest inspection date L with ``add_months(L, months) >= day``: an inspection
    keeps the code monitored up to ``day`` exactly when its date is at least this.

    ``add_months`` clamps to the month's end, so it is monotone but not invertible: going back
    from 31 March lands on 28/29 February, which goes forward only to 28/29 March, so step
    on to the first date that reaches ``day`` (at most three days). Going back never lands
    too late (the clamp only moves down), so no earlier date reaches ``day``;
    tests/test_supervision.py checks this against brute force."""
    candidate = add_months(day, -months)
    while add_months(candidate, months) < day:
        candidate += timedelta(days=1)
    return candidate


def _cutoff(market_code: str | None, day: date):
    """Per inspection kind, the date from which an inspection reaches ``day`` for this
    market: a constant when every kind has the same interval."""
    cutoffs = {
        kind: earliest_inspection_reaching(interval_months(market_code, kind), day)
        for kind in InspectionKind.values
    }
    if len(set(cutoffs.values())) == 1:
        return Value(next(iter(cutoffs.values())), output_field=models.DateField())
    return Case(
        *(When(kind=kind, then=Value(cutoff)) for kind, cutoff in cutoffs.items()),
        output_field=models.DateField(),
    )


def ends_before_q(subject_model, day: date) -> Q:
    """Codes (of ``subject_model``) whose ``monitored_until`` is before ``day``, or that were
    never inspected: some market of theirs has no inspection reaching ``day``."""
    current_model, _ = status_models(subject_model)
    relation = _relation(subject_model)
    statuses = current_model.objects.filter(subject=OuterRef("pk")).exclude(
        status=CodeStatus.REVOKED
    )
    inspections = Inspection.objects.filter(**{relation: OuterRef("pk")})

    def none_reaching(market_code):
        return ~Exists(inspections.filter(inspected_on__gte=_cutoff(market_code, day)))

    named = overridden_markets()
    condition = (
        Exists(statuses.exclude(market__code__in=named)) | ~Exists(statuses)
    ) & none_reaching(None)
    for market_code in named:
        condition |= Exists(statuses.filter(market__code=market_code)) & none_reaching(market_code)
    return condition


def inspected_q(subject_model) -> Q:
    return Q(Exists(Inspection.objects.filter(**{_relation(subject_model): OuterRef("pk")})))


def state_q(subject_model, state: str, on: date | None = None) -> Q:
    """The query form of ``supervision_state``: codes in ``state`` on ``on``."""
    on = on or today()
    inspected = inspected_q(subject_model)
    overdue = ends_before_q(subject_model, on)
    due_or_overdue = ends_before_q(subject_model, on + due_window() + timedelta(days=1))
    if state == SupervisionState.NEVER:
        return ~inspected
    if state == SupervisionState.OVERDUE:
        return inspected & overdue
    if state == SupervisionState.DUE:
        return inspected & ~overdue & due_or_overdue
    if state == SupervisionState.MONITORED:
        return inspected & ~due_or_overdue
    raise ValueError(f"Unknown supervision state: {state}")


def state_expression(subject_model, on: date | None = None) -> Case:
    """Each code's state as a column (for counts grouped by state)."""
    return Case(
        *(
            When(state_q(subject_model, state, on), then=Value(state))
            for state in SupervisionState.values
        ),
        output_field=models.CharField(),
    )


def counts_per_market(on: date | None = None) -> list[dict]:
    """Per market: how many growing-area codes active for it are in each state (one query,
    plus the markets). For the admin dashboard."""
    from registry.models import Market

    current_model, _ = status_models(AreaCode)
    active = current_model.objects.filter(status=CodeStatus.ACTIVE).annotate(
        state=_state_of_subject(on)
    )
    counts: dict[int, dict[str, int]] = {}
    for row in active.values("market", "state").annotate(n=models.Count("id")).order_by():
        counts.setdefault(row["market"], {})[row["state"]] = row["n"]
    empty = dict.fromkeys(SupervisionState.values, 0)
    return [
        {**empty, **counts.get(market.pk, {}), "market": market}
        for market in Market.objects.all()
        if market.pk in counts
    ]


def _state_of_subject(on):
    """``state_expression`` evaluated for the code a status row belongs to."""
    codes = AreaCode.objects.filter(pk=OuterRef("subject")).annotate(
        state=state_expression(AreaCode, on)
    )
    return models.Subquery(codes.values("state")[:1])


def report(subjects: models.QuerySet, on: date | None = None) -> list[dict]:
    """The codes among ``subjects`` (area codes) still held to supervision (a market not
    revoked) that are overdue or were never inspected, ordered by cooperative: the provincial
    office's work plan. Three queries whatever the number of codes."""
    on = on or today()
    current_model, _ = status_models(AreaCode)
    held = current_model.objects.filter(subject=OuterRef("pk")).exclude(status=CodeStatus.REVOKED)
    lapsed = state_q(AreaCode, SupervisionState.OVERDUE, on) | state_q(
        AreaCode, SupervisionState.NEVER, on
    )
    codes = list(
        subjects.filter(Exists(held))
        .filter(lapsed)
        .select_related("cooperative", "crop", "commune")
        .order_by("cooperative__name", "cooperative__tax_code", "code")
    )
    statuses, inspections = {}, {}
    for subject_id, market, status in current_model.objects.filter(subject__in=codes).values_list(
        "subject_id", "market__code", "status"
    ):
        statuses.setdefault(subject_id, []).append((market, status))
    for code_id, inspected_on, kind in Inspection.objects.filter(area_code__in=codes).values_list(
        "area_code_id", "inspected_on", "kind"
    ):
        inspections.setdefault(code_id, []).append((inspected_on, kind))
    rows = []
    for code in codes:
        markets = supervised_markets(sorted(statuses.get(code.pk, [])))
        done = inspections.get(code.pk, [])
        end = monitored_until(done, markets)
        rows.append(
            {
                "code": code,
                "markets": markets,
                "last_inspected": max((on_ for on_, _kind in done), default=None),
                "monitored_until": end,
                "state": state_from_end(end, on),
            }
        )
    return rows
