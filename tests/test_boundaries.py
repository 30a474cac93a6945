"""Growing-area boundaries: validation (what and where), measured area, label point, winding,
history, and the area-mismatch rule in its Python and SQL forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.models import AreaCode
from registry.rules import boundaries, geometry
from tests.factories import AreaCodeFactory
from tests.geo_support import SONG_MA, is_counter_clockwise, square, square_ring

LON, LAT = SONG_MA


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are read in English here (the admin's default is Vietnamese)."""
    with translation.override("en"):
        yield


def errors_of(boundary) -> list[str]:
    with pytest.raises(geometry.BoundaryError) as caught:
        geometry.parse_boundary(boundary)
    return [str(m) for m in caught.value.messages]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


# --- What a valid boundary is --------------------------------------------------------------


def test_a_square_is_accepted_and_measured_on_the_ellipsoid():
    """100 m × 100 m at Sơn La's latitude is 1.00 ha within 0.5%."""
    read = geometry.read_boundary(square(metres=100))
    assert abs(read.area_ha - Decimal("1.00")) <= Decimal("0.005")
    read = geometry.read_boundary(square(metres=1000))
    assert abs(read.area_ha - Decimal("100")) <= Decimal("0.5")


@pytest.mark.parametrize(
    ("boundary", "expected"),
    [
        ({"type": "Point", "coordinates": [LON, LAT]}, "Polygon or MultiPolygon, not Point"),
        ("not a geometry", "GeoJSON geometry object"),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
        (polygon([[LON, LAT], [LON + 0.001, LAT], [LON, LAT]]), "ring 1: a ring needs at least 4"),
        (
            polygon(
                [[LON, LAT], [LON + 0.001, LAT], [LON + 0.001, LAT + 0.001], [LON, LAT + 1e-3]]
            ),
            "ring 1, vertex 4: the ring is not closed",
        ),
        (
            polygon([[LON, LAT], ["x", LAT], [LON, LAT + 0.001], [LON, LAT]]),
            "ring 1, vertex 2: a position must be [longitude, latitude]",
        ),
        (
            polygon([[LAT, LON], [LAT + 0.001, LON], [LAT + 0.001, LON + 0.001], [LAT, LON]]),
            "ring 1, vertex 1: (21.06, 103.9) is outside Vietnam; longitude comes first",
        ),
        (
            polygon([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]),
            "ring 1, vertex 1: (2.35, 48.85) is outside Vietnam's bounding box",
        ),
        # a bow tie: the second and third vertices swapped
        (
            polygon(
                [
                    [LON, LAT],
                    [LON + 0.001, LAT + 0.001],
                    [LON + 0.001, LAT],
                    [LON, LAT + 0.001],
                    [LON, LAT],
                ]
            ),
            "ring 1, segments from vertices 1, 3: the outline crosses itself near",
        ),
        (
            polygon([[LON, LAT], [LON + 0.001, LAT], [LON + 0.002, LAT], [LON, LAT]]),
            "ring 1, segments from vertices 1, 2, 3: the outline crosses itself",
        ),
        (square(metres=100_000), "a growing area spans at most 0.5° each way"),
    ],
    ids=[
        "point",
        "text",
        "empty",
        "three positions",
        "not closed",
        "not a number",
        "swapped",
        "abroad",
        "bow tie",
        "flat",
        "too wide",
    ],
)
def test_each_bad_geometry_is_refused_saying_where(boundary, expected):
    messages = errors_of(boundary)
    assert any(expected in m for m in messages), messages


def test_a_crossing_in_the_second_polygon_names_that_polygon_and_its_vertex():
    good = square_ring(LON, LAT, 100)
    e = LON + 0.01
    bow_tie = [[e, LAT], [e + 0.001, LAT], [e, LAT + 0.001], [e + 0.001, LAT + 0.001], [e, LAT]]
    messages = errors_of({"type": "MultiPolygon", "coordinates": [[good], [bow_tie]]})
    assert messages[0].startswith("polygon 2, ring 1, segments from vertices 2, 4:"), messages


def test_a_hole_outside_its_polygon_names_the_hole():
    outer = square_ring(LON, LAT, 100)
    hole = list(reversed(square_ring(LON + 0.01, LAT, 10)))
    messages = errors_of(polygon(outer, hole))
    assert "ring 2" in messages[0] and "a hole lies outside its polygon" in messages[0], messages


def test_too_many_vertices(settings):
    settings.BOUNDARY_MAX_VERTICES = 4
    assert any("5 vertices; at most 4" in m for m in errors_of(square()))


def test_many_errors_are_cut_short():
    ring = [[1.0 + i / 1000, 1.0] for i in range(100)]
    messages = errors_of(polygon([*ring, ring[0]]))
    assert len(messages) == geometry.MAX_ERRORS_SHOWN + 1
    assert "and 81 more errors" in messages[-1]


def test_clockwise_rings_are_turned_and_holes_run_clockwise():
    outer = list(reversed(square_ring(LON, LAT, 100)))  # clockwise, as drawn by some tools
    hole = square_ring(LON + 0.0002, LAT + 0.0002, 20)  # counter-clockwise
    assert not is_counter_clockwise(outer)
    stored = geometry.read_boundary(polygon(outer, hole)).geojson
    assert is_counter_clockwise(stored["coordinates"][0])
    assert not is_counter_clockwise(stored["coordinates"][1])
    assert stored["coordinates"][0][0][0] > 100, "longitude first"


def test_altitude_is_dropped():
    ring = [[*p, 812.0] for p in square_ring(LON, LAT, 100)]
    stored = geometry.read_boundary(polygon(ring)).geojson
    assert all(len(p) == 2 for p in stored["coordinates"][0])


# --- On the area code ---------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_boundary_stores_its_box_area_and_a_label_point_inside():
    code = AreaCodeFactory(latitude=Decimal("20.5"), longitude=Decimal("104.5"))
    code.boundary = {"type": "Polygon", "coordinates": [list(reversed(square_ring(LON, LAT, 200)))]}
    code.save()
    code = AreaCode.objects.get(pk=code.pk)
    assert abs(code.measured_area_ha - Decimal("4")) < Decimal("0.02")
    assert code.boundary_min_lon == pytest.approx(LON)
    assert code.boundary_min_lat == pytest.approx(LAT)
    assert LON < float(code.longitude) < code.boundary_max_lon
    assert LAT < float(code.latitude) < code.boundary_max_lat
    assert is_counter_clockwise(code.boundary["coordinates"][0])

    code.boundary = None
    code.save()
    code.refresh_from_db()
    assert code.measured_area_ha is None and code.boundary_min_lon is None
    assert code.latitude is not None, "the last label point stays as the code's point"


@pytest.mark.django_db
def test_history_records_each_boundary_change():
    code = AreaCodeFactory()
    code.boundary = square(metres=100)
    code.save()
    code.boundary = square(metres=120)
    code.save()
    stored = [h.boundary for h in code.history.order_by("history_date")]
    assert stored[0] is None
    assert stored[1]["coordinates"] != stored[2]["coordinates"]
    assert code.history.order_by("history_date").last().measured_area_ha > Decimal("1.4")


@pytest.mark.django_db
def test_a_changed_boundary_is_an_event_of_the_change_feed():
    from registry.models import ChangeEvent

    code = AreaCodeFactory(code="VN-SLOR-0321")
    code.boundary = square(metres=100)
    code.save()
    code.area_ha = Decimal("12")
    code.save()  # the boundary unchanged: no event
    code.boundary = None
    code.save()
    events = ChangeEvent.objects.filter(kind="boundary_change").order_by("id")
    assert [(e.subject_code, e.payload["has_boundary"]) for e in events] == [
        ("VN-SLOR-0321", True),
        ("VN-SLOR-0321", False),
    ]
    assert Decimal(events[0].payload["measured_area_ha"]) == pytest.approx(
        Decimal("1"), rel=Decimal("0.01")
    )


@pytest.mark.django_db
def test_full_clean_refuses_a_bad_boundary_on_the_field():
    code = AreaCodeFactory.build(boundary={"type": "Polygon", "coordinates": [[[1, 2]]]})
    with pytest.raises(ValidationError) as caught:
        code.full_clean(exclude=["crop", "cooperative", "commune"])
    assert "boundary" in caught.value.message_dict


# --- Area mismatch: one rule, two forms ------------------------------------------------------

MISMATCH_CASES = [
    # measured, declared, flagged (share 0.15)
    (None, "10", None),
    ("10", "10", False),
    ("11.5", "10", False),  # exactly 15%: not above
    ("11.5001", "10", True),
    ("8.5", "10", False),
    ("8.4999", "10", True),
    ("30", "10", True),
    ("0.0100", "10", True),
]


@pytest.mark.parametrize(("measured", "declared", "flagged"), MISMATCH_CASES)
def test_area_mismatch_python_form(measured, declared, flagged):
    measured = None if measured is None else Decimal(measured)
    assert boundaries.area_mismatch(measured, Decimal(declared)) is flagged


@pytest.mark.django_db
def test_area_mismatch_sql_form_agrees_with_the_python_form():
    codes = {}
    for measured, declared, flagged in MISMATCH_CASES:
        code = AreaCodeFactory(area_ha=Decimal(declared))
        # measured areas set directly: the rule compares numbers, whatever the boundary
        AreaCode.objects.filter(pk=code.pk).update(
            measured_area_ha=None if measured is None else Decimal(measured)
        )
        codes[code.pk] = flagged
    flagged = set(
        AreaCode.objects.filter(boundaries.area_mismatch_q(True)).values_list("pk", flat=True)
    )
    cleared = set(
        AreaCode.objects.filter(boundaries.area_mismatch_q(False)).values_list("pk", flat=True)
    )
    assert flagged == {pk for pk, f in codes.items() if f is True}
    assert cleared == {pk for pk, f in codes.items() if f is False}


@pytest.mark.django_db
def test_the_share_is_a_setting(settings):
    settings.AREA_MISMATCH_SHARE = "0.5"
    assert boundaries.area_mismatch(Decimal("14"), Decimal("10")) is False
    code = AreaCodeFactory(area_ha=Decimal("10"))
    AreaCode.objects.filter(pk=code.pk).update(measured_area_ha=Decimal("14"))
    assert not AreaCode.objects.filter(boundaries.area_mismatch_q(True)).exists()
