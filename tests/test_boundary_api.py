"""Boundaries through the API: GeoJSON out (list and detail, parsed back and checked against
RFC 7946 with an independent winding test), the bbox filter, and boundaries written in."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from registry.models import AreaCode, CodeStatus
from tests.factories import (
    AreaCodeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)
from tests.geo_support import is_counter_clockwise, shifted, square, square_ring

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def codes():
    """Two codes with boundaries (one drawn clockwise), one with only a point, one with
    neither; two crops, one market."""
    au = MarketFactory(code="AU")
    mango = CropFactory(slug="mango", name_vi="Xoài", name_en="Mango")
    clockwise = {"type": "Polygon", "coordinates": [list(reversed(square_ring(104.0, 21.2, 150)))]}
    made = {
        "square": AreaCodeFactory(boundary=square(metres=100)),
        "clockwise": AreaCodeFactory(boundary=clockwise, crop=mango),
        "point": AreaCodeFactory(latitude=Decimal("21.300000"), longitude=Decimal("103.500000")),
        "nothing": AreaCodeFactory(),
    }
    for code in made.values():
        set_status(code, CodeStatus.ACTIVE, au)
    return made


def streamed(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_list_as_geojson_is_a_feature_collection_of_the_filtered_codes(api, codes):
    response = api.get(f"{API}/area-codes/", {"format": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    collection = json.loads(streamed(response))
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {c.code for c in codes.values()}

    for name in ("square", "clockwise"):
        geometry = features[codes[name].code]["geometry"]
        assert geometry["type"] == "Polygon"
        exterior = geometry["coordinates"][0]
        assert is_counter_clockwise(exterior), f"{name}: exterior ring counter-clockwise"
        assert exterior[0] == exterior[-1]
        assert all(102 < lon < 110 and 8 < lat < 24 for lon, lat in exterior), "lon, lat"
    assert features[codes["point"].code]["geometry"] == {
        "type": "Point",
        "coordinates": [103.5, 21.3],
    }
    assert features[codes["nothing"].code]["geometry"] is None

    # the properties are the JSON list's items, without the boundary
    listed = {r["code"]: r for r in api.get(f"{API}/area-codes/").json()["results"]}
    for code, found in features.items():
        expected = {k: v for k, v in listed[code].items() if k != "boundary"}
        assert found["properties"] == expected


def test_geojson_follows_the_list_filters_and_ordering(api, codes):
    response = api.get(f"{API}/area-codes/", {"format": "geojson", "crop": "mango"})
    assert [f["id"] for f in json.loads(streamed(response))["features"]] == [
        codes["clockwise"].code
    ]
    response = api.get(f"{API}/area-codes/", {"format": "geojson", "ordering": "-code"})
    ids = [f["id"] for f in json.loads(streamed(response))["features"]]
    assert ids == sorted(ids, reverse=True)
    response = api.get(f"{API}/area-codes/", HTTP_ACCEPT="application/geo+json")
    assert response["Content-Type"].startswith("application/geo+json")


def test_geojson_streams_more_rows_than_a_chunk(api, monkeypatch):
    from registry.api import geojson

    monkeypatch.setattr(geojson, "CHUNK", 2)
    made = [AreaCodeFactory(boundary=shifted(300 * i, metres=50)) for i in range(5)]
    response = api.get(f"{API}/area-codes/", {"format": "geojson"})
    assert response.streaming
    features = json.loads(streamed(response))["features"]
    assert [f["id"] for f in features] == [c.code for c in made]


def test_one_code_as_geojson_is_a_feature(api, codes):
    code = codes["clockwise"]
    response = api.get(f"{API}/area-codes/{code.code.lower()}/", {"format": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    found = json.loads(response.content)
    assert found["type"] == "Feature" and found["id"] == code.code
    assert is_counter_clockwise(found["geometry"]["coordinates"][0])
    assert found["properties"]["code"] == code.code and "boundary" not in found["properties"]


def test_errors_stay_json_when_geojson_is_asked(api, codes):
    response = api.get(f"{API}/area-codes/", {"format": "geojson", "market": "ZZ"})
    assert response.status_code == 400
    assert "market" in response.json()
    assert api.get(f"{API}/area-codes/VN-NOPE-0001/", {"format": "geojson"}).status_code == 404
    assert api.get(f"{API}/packing-houses/", {"format": "geojson"}).status_code == 406


# --- bbox -------------------------------------------------------------------------------------


def test_bbox_finds_codes_by_boundary_or_point(api, codes):
    def found(box):
        response = api.get(f"{API}/area-codes/", {"bbox": box})
        assert response.status_code == 200, response.json()
        return {r["code"] for r in response.json()["results"]}

    assert found("103.89,21.05,103.91,21.07") == {codes["square"].code}
    # a box inside the boundary, touching none of its vertices, still meets it
    assert found("103.9003,21.0603,103.9004,21.0604") == {codes["square"].code}
    assert found("103.4,21.2,103.6,21.4") == {codes["point"].code}
    assert found("103,20,105,22") == {codes[n].code for n in ("square", "clockwise", "point")}
    assert found("106,10,107,11") == set()


@pytest.mark.parametrize(
    "box",
    ["1,2,3", "a,b,c,d", "104,21,103,22", "103,22,104,21", "103,95,104,96", "nan,1,2,3", "1,,2,3"],
)
def test_a_bad_bbox_is_a_400_naming_it(api, codes, box):
    for resource in ("area-codes", "packing-houses"):
        response = api.get(f"{API}/{resource}/", {"bbox": box})
        assert response.status_code == 400
        assert list(response.json()) in (["bbox"], ["bbox", "request_id"]), response.json()


def test_bbox_on_packing_houses_uses_their_point(api):
    inside = PackingHouseFactory(latitude=Decimal("21.1"), longitude=Decimal("103.9"))
    PackingHouseFactory(latitude=Decimal("10.1"), longitude=Decimal("106.7"))
    PackingHouseFactory()
    response = api.get(f"{API}/packing-houses/", {"bbox": "103.8,21,104,21.2"})
    assert [r["code"] for r in response.json()["results"]] == [inside.code]
    assert response.json()["results"][0]["latitude"] == "21.100000"


# --- writing a boundary -----------------------------------------------------------------------


def test_data_entry_writes_a_boundary_and_history_records_it(api, data_entry, codes):
    api.force_authenticate(data_entry)
    code = codes["nothing"]
    clockwise = {"type": "Polygon", "coordinates": [list(reversed(square_ring(103.9, 21.1, 200)))]}
    response = api.patch(f"{API}/area-codes/{code.code}/", {"boundary": clockwise}, format="json")
    assert response.status_code == 200, response.json()
    assert is_counter_clockwise(response.json()["boundary"]["coordinates"][0])
    assert abs(Decimal(response.json()["measured_area_ha"]) - 4) < Decimal("0.02")
    assert float(response.json()["longitude"]) > 103.9, "the label point, inside the boundary"
    history = api.get(f"{API}/area-codes/{code.code}/history/").json()
    changed = {c["field"] for c in history[-1]["changes"]}
    assert {"boundary", "latitude", "longitude"} <= changed

    response = api.patch(f"{API}/area-codes/{code.code}/", {"boundary": None}, format="json")
    assert response.status_code == 200 and response.json()["boundary"] is None
    assert AreaCode.objects.get(pk=code.pk).measured_area_ha is None


def test_a_new_code_may_come_with_its_boundary(api, administrator, codes):
    api.force_authenticate(administrator)
    existing = codes["square"]
    body = {
        "code": "VN-SLOR-0777",
        "crop": "longan",
        "cooperative": existing.cooperative.tax_code,
        "commune": "04204",
        "area_ha": "1.00",
        "issued_on": "2025-01-10",
        "boundary": shifted(50, metres=100),
    }
    response = api.post(f"{API}/area-codes/", body, format="json")
    assert response.status_code == 201, response.json()
    overlaps = api.get(f"{API}/area-codes/VN-SLOR-0777/overlaps/").json()
    assert [o["code"] for o in overlaps] == [existing.code]


@pytest.mark.parametrize(
    ("boundary", "expected"),
    [
        ({"type": "Point", "coordinates": [103.9, 21.0]}, "Polygon or MultiPolygon"),
        ("POLYGON((1 2, 3 4))", "GeoJSON geometry object"),
        (
            {"type": "Polygon", "coordinates": [[[103.9, 21.0], [103.91, 21.0], [103.91, 21.01]]]},
            "ring 1: a ring needs at least 4",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[103.9, 21.0], [103.91, 21.01], [103.91, 21.0], [103.9, 21.01], [103.9, 21.0]]
                ],
            },
            "ring 1, segments from vertices 1, 3: the outline crosses itself",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[21.0, 103.9], [21.0, 103.91], [21.01, 103.91], [21.0, 103.9]]],
            },
            "ring 1, vertex 1: (21.0, 103.9) is outside Vietnam; longitude comes first",
        ),
    ],
    ids=["point", "text", "short ring", "crossing", "swapped"],
)
def test_a_bad_boundary_is_a_400_naming_it_and_where(api, data_entry, codes, boundary, expected):
    api.force_authenticate(data_entry)
    code = codes["nothing"]
    response = api.patch(f"{API}/area-codes/{code.code}/", {"boundary": boundary}, format="json")
    assert response.status_code == 400
    messages = response.json()["boundary"]
    assert any(expected in m for m in messages), messages
    assert AreaCode.objects.get(pk=code.pk).boundary is None


def test_staff_cannot_write_a_boundary(api, staff, codes):
    api.force_authenticate(staff)
    response = api.patch(
        f"{API}/area-codes/{codes['nothing'].code}/", {"boundary": square()}, format="json"
    )
    assert response.status_code == 403
