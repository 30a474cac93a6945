"""Overlaps between growing-area codes: found and not found, recorded on both codes, kept up
to date when a boundary moves, shown in the API, the admin and its dashboard."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import AreaCode, BoundaryOverlap
from registry.rules import boundaries
from tests.factories import AreaCodeFactory
from tests.geo_support import shifted, square

pytestmark = pytest.mark.django_db


def code_with(boundary, **kwargs) -> AreaCode:
    return AreaCodeFactory(boundary=boundary, **kwargs)


def pairs() -> set[tuple[str, str, Decimal]]:
    return {
        (o.first.code, o.second.code, o.area_ha)
        for o in BoundaryOverlap.objects.select_related("first", "second")
    }


def test_an_overlap_is_found_with_its_area_and_listed_on_both_codes():
    first = code_with(square(metres=100))
    second = code_with(shifted(50, metres=100))  # half of the first square: 0.5 ha
    [(a, b, area)] = pairs()
    assert {a, b} == {first.code, second.code}
    assert abs(area - Decimal("0.5")) < Decimal("0.005")
    assert [o["code"] for o in boundaries.overlaps_of(first)] == [second.code]
    assert [o["code"] for o in boundaries.overlaps_of(second)] == [first.code]


def test_neighbours_that_only_touch_or_share_little_do_not_overlap(settings):
    code_with(square(metres=100))
    code_with(shifted(100, metres=100))  # shares an edge
    code_with(shifted(0, 300, metres=100))  # apart
    code_with(shifted(-98, metres=100))  # 2 m × 100 m = 0.02 ha, under 0.05
    assert pairs() == set()
    settings.OVERLAP_MIN_HA = "0.01"
    code_with(shifted(-98, 1, metres=100))  # about 0.02 ha with the first: now counted
    assert len(pairs()) == 2  # with the first square and with the last one's neighbour


def test_moving_a_boundary_replaces_its_pairs_and_removing_it_clears_them():
    first = code_with(square(metres=100))
    second = code_with(shifted(50, metres=100))
    third = code_with(shifted(1000, metres=100))
    assert len(pairs()) == 1
    second.boundary = shifted(1050, metres=100)  # now over the third
    second.save()
    assert {(a, b) for a, b, _area in pairs()} == {tuple(sorted([second.code, third.code]))}
    assert boundaries.overlaps_of(first) == []
    second.boundary = None
    second.save()
    assert pairs() == set()


def test_saving_other_fields_does_not_recompute_overlaps():
    code_with(square(metres=100))
    second = code_with(shifted(50, metres=100))
    second = AreaCode.objects.get(pk=second.pk)
    second.variety = "Hương Chi"
    with CaptureQueriesContext(connection) as captured:
        second.save()
    assert not any("registry_boundaryoverlap" in q["sql"] for q in captured.captured_queries)
    assert len(pairs()) == 1


def test_the_bounding_box_query_matches_a_brute_force_check():
    """``near_q`` (the index's ranges) finds exactly the boxes that meet, compared with a plain
    Python test on every stored box, for boxes all around a set of boundaries."""
    for east in (-30_000, -800, 0, 700, 45_000):
        for north in (-20_000, -300, 0, 500, 52_000):
            code_with(shifted(east, north, metres=400))
    stored = list(
        AreaCode.objects.values_list(
            "pk", "boundary_min_lon", "boundary_min_lat", "boundary_max_lon", "boundary_max_lat"
        )
    )
    for box in [
        (103.9, 21.06, 103.901, 21.061),
        (103.5, 20.8, 103.89, 21.0),
        (103.0, 20.0, 105.0, 22.0),
        (103.903, 21.0, 103.95, 21.07),
        (104.2, 21.5, 104.3, 21.6),
    ]:
        expected = {
            pk
            for pk, x1, y1, x2, y2 in stored
            if x1 <= box[2] and x2 >= box[0] and y1 <= box[3] and y2 >= box[1]
        }
        found = set(AreaCode.objects.filter(boundaries.near_q(*box)).values_list("pk", flat=True))
        assert found == expected, box


def test_the_api_lists_overlaps_of_a_code(client):
    first = code_with(square(metres=100))
    second = code_with(shifted(50, metres=100))
    answer = client.get(f"/api/v1/area-codes/{first.code.lower()}/overlaps/")
    assert answer.status_code == 200
    [overlap] = answer.json()
    assert overlap["code"] == second.code
    assert Decimal(overlap["area_ha"]) == BoundaryOverlap.objects.get().area_ha
    assert client.get("/api/v1/area-codes/VN-SLOR-9999/overlaps/").status_code == 404


def test_filters_for_overlapping_and_mismatched_codes(client):
    first = code_with(square(metres=100), area_ha=Decimal("1.00"))
    second = code_with(shifted(50, metres=100), area_ha=Decimal("5.00"))  # measured 1 ha
    alone = code_with(shifted(5000, metres=100), area_ha=Decimal("1.05"))
    without = AreaCodeFactory()

    def codes(query):
        answer = client.get(f"/api/v1/area-codes/?{query}")
        assert answer.status_code == 200, answer.json()
        return {row["code"] for row in answer.json()["results"]}

    assert codes("overlapping=true") == {first.code, second.code}
    assert codes("overlapping=false") == {alone.code, without.code}
    assert codes("area_mismatch=true") == {second.code}
    assert codes("area_mismatch=false") == {first.code, alone.code}
    assert codes("has_boundary=false") == {without.code}
    answer = client.get("/api/v1/area-codes/?area_mismatch=maybe")
    assert answer.status_code == 400 and "area_mismatch" in answer.json()
    detail = client.get(f"/api/v1/area-codes/{second.code}/").json()
    assert detail["area_mismatch"] is True
    assert abs(Decimal(detail["measured_area_ha"]) - 1) < Decimal("0.01")
    assert detail["boundary"]["type"] == "Polygon"
    assert client.get(f"/api/v1/area-codes/{without.code}/").json()["area_mismatch"] is None


def test_admin_shows_measured_area_overlaps_filters_and_dashboard(admin_client):
    first = code_with(square(metres=100), area_ha=Decimal("1.00"))
    second = code_with(shifted(50, metres=100), area_ha=Decimal("5.00"))
    page = admin_client.get(reverse("admin:registry_areacode_change", args=[second.pk]))
    text = page.content.decode()
    assert first.code in text and reverse("admin:registry_areacode_change", args=[first.pk]) in text
    assert "⚠" in text, "the area mismatch is flagged"
    listing = admin_client.get(
        reverse("admin:registry_areacode_changelist") + "?area_mismatch=true"
    )
    assert listing.status_code == 200
    assert second.code in listing.content.decode() and first.code not in listing.content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="boundary-counts"' in index
    assert '?overlapping=true">2</a>' in index
    assert '?area_mismatch=true">1</a>' in index
    overlaps = admin_client.get(reverse("admin:registry_boundaryoverlap_changelist"))
    assert overlaps.status_code == 200 and second.code in overlaps.content.decode()
