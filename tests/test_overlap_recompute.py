"""``manage.py recompute_overlaps``: after ``OVERLAP_MIN_HA`` changes, the stored pairs follow
the boundaries and the new threshold; a second run changes nothing; stale rows go in every
batch, the last one included."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from registry.models import BoundaryOverlap
from tests.factories import AreaCodeFactory
from tests.geo_support import shifted, square

pytestmark = pytest.mark.django_db


def recompute(*args) -> str:
    out = StringIO()
    call_command("recompute_overlaps", *args, stdout=out)
    return out.getvalue()


def stored() -> dict[frozenset, Decimal]:
    return {
        frozenset((o.first.code, o.second.code)): o.area_ha
        for o in BoundaryOverlap.objects.select_related("first", "second")
    }


@pytest.fixture
def layout():
    """Squares of 100 m whose shared areas are known on the ground (an oracle independent
    of shapely): A∩B = 50 m × 100 m = 0.5 ha; A∩C = 100 m × 3 m = 0.03 ha; B∩C = 50 m × 3 m
    = 0.015 ha; D is far from all."""
    codes = {
        "A": AreaCodeFactory(boundary=square(metres=100)),
        "B": AreaCodeFactory(boundary=shifted(50, metres=100)),
        "C": AreaCodeFactory(boundary=shifted(0, 97, metres=100)),
        "D": AreaCodeFactory(boundary=shifted(1000, metres=100)),
    }
    return {name: code.code for name, code in codes.items()}


def expected(layout, *names) -> dict[frozenset, Decimal]:
    areas = {"AB": Decimal("0.5"), "AC": Decimal("0.03"), "BC": Decimal("0.015")}
    return {frozenset((layout[n[0]], layout[n[1]])): areas[n] for n in names}


def assert_pairs(layout, *names):
    found, wanted = stored(), expected(layout, *names)
    assert set(found) == set(wanted)
    for pair, area in wanted.items():
        assert abs(found[pair] - area) < Decimal("0.002"), (pair, found[pair], area)


def test_lowering_raising_and_keeping_the_threshold(settings, layout):
    assert_pairs(layout, "AB")  # saved under the default 0.05 ha

    settings.OVERLAP_MIN_HA = "0.01"
    output = recompute()
    assert "2 pair(s) added, 0 removed, 0 with a new area; 3 pair(s) in all" in output
    assert "OVERLAP_MIN_HA = 0.01 ha" in output
    assert_pairs(layout, "AB", "AC", "BC")

    rows = {
        (o.pk, o.first_id, o.second_id, o.area_ha, o.found_at)
        for o in BoundaryOverlap.objects.all()
    }
    output = recompute()
    assert "0 pair(s) added, 0 removed, 0 with a new area; 3 pair(s) in all" in output
    assert {
        (o.pk, o.first_id, o.second_id, o.area_ha, o.found_at)
        for o in BoundaryOverlap.objects.all()
    } == rows, "an unchanged threshold changes no row, not even found_at"

    settings.OVERLAP_MIN_HA = "0.02"
    assert "0 pair(s) added, 1 removed" in recompute()
    assert_pairs(layout, "AB", "AC")

    settings.OVERLAP_MIN_HA = "0.6"
    assert "0 pair(s) added, 2 removed" in recompute()
    assert stored() == {}


def test_the_command_agrees_with_saving_every_boundary_again(settings, layout):
    """The save path and the command ask the same rule: recording each boundary's pairs again
    as a save does, under the new threshold, leaves the same pairs as the command."""
    from registry.models import AreaCode
    from registry.rules import boundaries

    settings.OVERLAP_MIN_HA = "0.01"
    recompute()
    by_command = stored()
    BoundaryOverlap.objects.all().delete()
    for code in AreaCode.objects.order_by("-pk"):
        boundaries.record_overlaps(code)
    assert stored().keys() == by_command.keys()
    for pair, area in stored().items():
        assert abs(area - by_command[pair]) <= Decimal("0.0001")


@pytest.mark.parametrize("batch_size", [1, 2, 3, 500])
def test_every_batch_size_gives_the_same_pairs_and_stale_rows_go(settings, layout, batch_size):
    from registry.models import AreaCode

    settings.OVERLAP_MIN_HA = "0.01"
    # Rows the boundaries do not justify: a pair with the far code, a wrong area, and a pair
    # of two codes without a boundary whose ids come after every code with one (only the
    # last, open-ended batch sees them).
    codes = {c.code: c for c in AreaCode.objects.all()}
    a, d = codes[layout["A"]], codes[layout["D"]]
    late_one, late_two = AreaCodeFactory(boundary=None), AreaCodeFactory(boundary=None)
    BoundaryOverlap.objects.create(first=a, second=d, area_ha=Decimal("1"))
    BoundaryOverlap.objects.create(first=late_one, second=late_two, area_ha=Decimal("1"))
    BoundaryOverlap.objects.filter(area_ha__gt=Decimal("0.4"), first=a).update(area_ha=Decimal("9"))
    output = recompute("--batch-size", str(batch_size))
    assert "2 pair(s) added, 2 removed, 1 with a new area; 3 pair(s) in all" in output
    assert_pairs(layout, "AB", "AC", "BC")
    assert "0 pair(s) added, 0 removed, 0 with a new area" in recompute("--batch-size", "1")


def test_a_dry_run_says_what_would_change_and_changes_nothing(settings, layout):
    settings.OVERLAP_MIN_HA = "0.01"
    output = recompute("--dry-run")
    assert output.startswith("[dry run] ")
    assert "2 pair(s) added, 0 removed, 0 with a new area; 3 pair(s) in all" in output
    assert_pairs(layout, "AB")


@pytest.mark.django_db(transaction=True)
def test_a_boundary_saved_during_a_run_is_not_overwritten_by_it(settings, layout):
    """Two real connections: C's boundary is moved far away in a transaction left open; a run
    started meanwhile must wait for it (the pairs table's lock), then read C's new boundary, and
    not write the pairs of C's old one (under 0.01 ha: A∩C and B∩C)."""
    import threading
    import time

    from django.db import connection, transaction

    from registry.models import AreaCode
    from registry.overlaps import recompute_overlaps

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    settings.OVERLAP_MIN_HA = "0.01"
    saved, release, finished = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def move_c_and_hold():
        try:
            with transaction.atomic():
                code = AreaCode.objects.get(code=layout["C"])
                code.boundary = shifted(5000, metres=100)
                code.save()
                saved.set()
                release.wait(30)
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            saved.set()
            connection.close()

    def run():
        try:
            recompute_overlaps()
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            finished.set()
            connection.close()

    mover = threading.Thread(target=move_c_and_hold)
    mover.start()
    assert saved.wait(30)
    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 30
    waiting = False
    while not finished.is_set() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%%'"
            )
            waiting = cursor.fetchone()[0] > 0
        if waiting:
            break
        finished.wait(0.05)
    release.set()
    mover.join(30)
    runner.join(60)
    assert not errors, errors
    assert_pairs(layout, "AB")  # without the lock, A∩C and B∩C of C's old boundary stay
    assert waiting, "the run waited for the open transaction"
