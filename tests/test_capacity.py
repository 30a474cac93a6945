"""The capacity check's Python and query forms, held against a table of cases whose answers are
written out by hand (the oracle), not computed by either form; and its states as clearances
come and figures change."""

from datetime import date
from decimal import Decimal

import pytest

from registry.models import CapacityClearance, Crop, Season, SeasonMarket
from registry.rules import capacity
from tests.factories import AreaCodeFactory, CropFactory, MarketFactory

pytestmark = pytest.mark.django_db

D = Decimal
EXP, ACT, DCAP, DOUT = (
    "expected_above_capacity",
    "actual_above_capacity",
    "declared_above_capacity",
    "declared_above_output",
)

#: (case, area ha, max yield t/ha (None: none), expected, actual, declared per market, reasons)
#: Capacity is area × max yield; output is actual, else expected.
CASES = [
    ("well within", "10", "20", "100", None, {}, []),
    ("expected exactly at capacity", "10", "20", "200", None, {}, []),
    ("expected a hundredth above", "10", "20", "200.01", None, {}, [EXP]),
    ("actual above, expected within", "10", "20", "150", "230", {}, [ACT]),
    ("actual at capacity", "10", "20", "150", "200", {}, []),
    ("declared equal to output", "10", "20", "150", None, {"CN": "100", "AU": "50"}, []),
    ("declared above expected output", "10", "20", "150", None, {"CN": "100", "AU": "51"}, [DOUT]),
    ("declared above actual, below expected", "10", "20", "150", "90", {"CN": "100"}, [DOUT]),
    ("declared below actual above expected", "10", "20", "90", "150", {"CN": "100"}, []),
    (
        "declared above capacity and output",
        "10",
        "20",
        "150",
        "180",
        {"CN": "150", "AU": "60"},
        [DCAP, DOUT],
    ),
    ("everything above", "2.5", "20", "60", "70", {"CN": "80"}, [EXP, ACT, DCAP, DOUT]),
    ("no maximum: only declarations", "10", None, "9999", "9999", {"CN": "9999.01"}, [DOUT]),
    ("no maximum, nothing declared", "10", None, "9999", None, {}, []),
    ("zero declared", "10", "20", "0", None, {"CN": "0"}, []),
    ("fractional area", "0.15", "20", "3.01", None, {}, [EXP]),
]


def make_season(area, max_yield, expected, actual, declared, index=0) -> Season:
    crop = CropFactory(
        slug=f"crop-{index}",
        max_yield_tonnes_per_ha=None if max_yield is None else D(max_yield),
    )
    code = AreaCodeFactory(crop=crop)
    season = Season.objects.create(
        area_code=code,
        crop_year=2025,
        area_ha=D(area),
        expected_tonnes=D(expected),
        actual_tonnes=None if actual is None else D(actual),
        harvest_start=date(2025, 7, 1),
        harvest_end=date(2025, 8, 31),
    )
    for market, tonnes in declared.items():
        SeasonMarket.objects.create(
            season=season, market=MarketFactory(code=market), tonnes=D(tonnes)
        )
    return season


def python_state(season) -> str:
    season = Season.objects.select_related("area_code__crop").get(pk=season.pk)
    cleared = [capacity.cleared_figures(c) for c in season.clearances.all()]
    return capacity.capacity_state(capacity.figures_of(season), cleared)


def sql_state(season) -> str:
    [state] = [
        s
        for s in ("ok", "exceeded", "cleared")
        if Season.objects.filter(capacity.state_q(s), pk=season.pk).exists()
    ]
    annotated = Season.objects.annotate(state=capacity.state_expression()).get(pk=season.pk)
    assert annotated.state == state, "the CASE column agrees with the filters"
    return state


@pytest.fixture
def seasons():
    return {
        case: make_season(area, max_yield, expected, actual, declared, index)
        for index, (case, area, max_yield, expected, actual, declared, _r) in enumerate(CASES)
    }


def test_reasons_python_and_sql_agree_with_the_table(seasons):
    for case, *_figures, expected_reasons in CASES:
        season = Season.objects.select_related("area_code__crop").get(pk=seasons[case].pk)
        python = capacity.reasons(capacity.figures_of(season))
        sql = [
            reason
            for reason in (EXP, ACT, DCAP, DOUT)
            if Season.objects.filter(capacity.reason_q(reason), pk=season.pk).exists()
        ]
        assert (python, sql) == (expected_reasons, expected_reasons), case
        state = "exceeded" if expected_reasons else "ok"
        assert (python_state(season), sql_state(season)) == (state, state), case


def test_each_reason_is_explained_with_its_numbers(seasons):
    season = Season.objects.select_related("area_code__crop").get(pk=seasons["everything above"].pk)
    figures = capacity.figures_of(season)
    messages = [capacity.explain(r, figures) for r in capacity.reasons(figures)]
    assert len(messages) == 4
    assert "60" in messages[0] and "50" in messages[0] and "2.5" in messages[0]
    assert "80" in messages[3] and "70" in messages[3]


def test_cleared_then_changed_comes_back_in_both_forms(administrator):
    season = make_season("10", "20", "150", None, {"CN": "160"})
    assert python_state(season) == sql_state(season) == "exceeded"
    with pytest.raises(capacity.NothingToClear):
        capacity.clear(season, administrator, "  ")
    clearance = capacity.clear(season, administrator, "Second flowering, checked on site.")
    assert (clearance.cleared_by, clearance.declared_tonnes, clearance.actual_tonnes) == (
        administrator,
        D("160"),
        None,
    )
    assert python_state(season) == sql_state(season) == "cleared"

    # Each figure the check reads, changed, brings the flag back; changed back, cleared again.
    declaration = season.declarations.get()
    changes = [
        (
            lambda: setattr(declaration, "tonnes", D("155")) or declaration.save(),
            lambda: setattr(declaration, "tonnes", D("160")) or declaration.save(),
        ),
        (
            lambda: setattr(declaration, "tonnes", D("161")) or declaration.save(),
            lambda: setattr(declaration, "tonnes", D("160")) or declaration.save(),
        ),
        (
            lambda: Season.objects.filter(pk=season.pk).update(actual_tonnes=D("150")),
            lambda: Season.objects.filter(pk=season.pk).update(actual_tonnes=None),
        ),
        (
            lambda: Season.objects.filter(pk=season.pk).update(expected_tonnes=D("149")),
            lambda: Season.objects.filter(pk=season.pk).update(expected_tonnes=D("150")),
        ),
        (
            lambda: Crop.objects.filter(pk=season.area_code.crop_id).update(
                max_yield_tonnes_per_ha=D("25")
            ),
            lambda: Crop.objects.filter(pk=season.area_code.crop_id).update(
                max_yield_tonnes_per_ha=D("20")
            ),
        ),
        (
            lambda: Season.objects.filter(pk=season.pk).update(area_ha=D("9.5")),
            lambda: Season.objects.filter(pk=season.pk).update(area_ha=D("10")),
        ),
    ]
    for change, undo in changes:
        change()
        assert python_state(season) == sql_state(season) == "exceeded"
        undo()
        assert python_state(season) == sql_state(season) == "cleared"

    # A new declaration market, and a season whose flag goes away: ok, whatever was cleared.
    SeasonMarket.objects.create(season=season, market=MarketFactory(code="AU"), tonnes=D("1"))
    assert python_state(season) == sql_state(season) == "exceeded"
    SeasonMarket.objects.filter(season=season).delete()
    assert python_state(season) == sql_state(season) == "ok"
    with pytest.raises(capacity.NothingToClear):
        capacity.clear(season, administrator, "nothing to clear")
    assert CapacityClearance.objects.filter(season=season).count() == 1


def test_counts_per_state(administrator):
    make_season("10", "20", "100", None, {}, 1)
    flagged = make_season("10", "20", "300", None, {}, 2)
    make_season("10", "20", "300", None, {}, 3)
    capacity.clear(flagged, administrator, "surveyed")
    assert capacity.counts() == {"ok": 1, "exceeded": 1, "cleared": 1}
