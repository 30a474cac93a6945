"""Keyset paging (``?cursor=``) on every API list, through the real HTTP stack and PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.choices import CodeStatus
from registry.models import AreaCode, Inspection
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def walk(api, path: str, params: dict, between=None) -> list[dict]:
    """Every row of a list, page by page through ``next``; ``between(page_number)`` runs
    after each page (to write rows meanwhile)."""
    rows, url, params, page = [], f"{API}/{path}", {**params, "cursor": ""}, 0
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body and set(body) == {"next", "results"}
        rows += body["results"]
        url, params, page = body["next"], None, page + 1
        if between:
            between(page)
    return rows


@pytest.fixture
def codes():
    longan, mango = CropFactory(slug="longan"), CropFactory(slug="mango", name_en="Mango")
    au = MarketFactory(code="AU")
    made = []
    for n in range(23):
        code = AreaCodeFactory(
            code=f"VN-SLOR-{n * 3 + 10:04d}",
            crop=longan if n % 3 else mango,
            area_ha=[5, 15, 25][n % 3],
            issued_on=date(2024, 1, 1) + timedelta(days=n % 4),
        )
        if n % 2:
            set_status(code, CodeStatus.ACTIVE, au)
        made.append(code)
    return made


def test_walking_with_the_cursor_yields_every_row_once_in_order(api, codes):
    rows = walk(api, "area-codes/", {"limit": 4})
    expected = sorted(c.code for c in codes)
    assert [r["code"] for r in rows] == expected
    # the same representation as the offset pages
    offset = api.get(f"{API}/area-codes/", {"limit": 1000}).json()["results"]
    assert rows == offset


def test_filters_apply_with_the_cursor(api, codes):
    rows = walk(api, "area-codes/", {"limit": 2, "market": "AU", "crop": "longan"})
    expected = sorted(
        c.code
        for c in AreaCode.objects.filter(market_statuses__market__code="AU", crop__slug="longan")
    )
    assert expected and [r["code"] for r in rows] == expected


def test_an_ordering_with_duplicates_is_walked_once_each(api, codes):
    for ordering in ("-area_ha", "issued_on", "crop__slug", "-updated_at", "kind,-issued_on"):
        rows = walk(api, "area-codes/", {"limit": 3, "ordering": ordering})
        offset = api.get(f"{API}/area-codes/", {"limit": 1000, "ordering": ordering}).json()
        assert [r["code"] for r in rows] == [r["code"] for r in offset["results"]], ordering
        assert len(rows) == len(codes)


def test_rows_inserted_between_pages_are_not_seen_twice_and_none_is_missed(api, codes):
    inserted = []

    def insert(page):
        # one before the cursor (not in this walk: it starts after), one far ahead (seen)
        for code in (f"VN-SLOR-{page:04d}", f"VN-SLOR-{9000 + page:04d}"):
            inserted.append(AreaCodeFactory(code=code, crop=codes[0].crop).code)

    rows = walk(api, "area-codes/", {"limit": 5}, between=insert)
    seen = [r["code"] for r in rows]
    assert len(seen) == len(set(seen)), "a row came twice"
    assert seen == sorted(seen)
    assert {c.code for c in codes} <= set(seen), "a row that existed all along was missed"
    ahead = [code for code in inserted if code.startswith("VN-SLOR-9")]
    # every row inserted ahead of the cursor before the walk got there is seen
    assert set(ahead[:-1]) <= set(seen)


@pytest.mark.parametrize(
    ("path", "make", "key"),
    [
        ("packing-houses/", lambda n: PackingHouseFactory(code=f"VN-SLPH-{n:04d}"), "code"),
        ("cooperatives/", lambda n: CooperativeFactory(name=f"HTX {n % 3}"), "tax_code"),
        (
            "vietgap-certificates/",
            lambda n: CertificateFactory(issued_on=date(2025, 1, 1 + n % 3)),
            "id",
        ),
        ("markets/", lambda n: MarketFactory(code=f"Q{chr(65 + n)}"), "code"),
        ("crops/", lambda n: CropFactory(slug=f"crop-{n:02d}"), "slug"),
        ("provinces/", lambda n: None, "code"),
        ("communes/", lambda n: None, "code"),
    ],
)
def test_every_list_walks_in_its_offset_order(api, path, make, key):
    for n in range(11):
        make(n)
    rows = walk(api, path, {"limit": 400 if path == "communes/" else 4})
    offset_rows, url = [], f"{API}/{path}?limit=1000"
    while url:
        body = api.get(url).json()
        offset_rows += body["results"]
        url = body["next"]
    assert [r[key] for r in rows] == [r[key] for r in offset_rows]
    assert len({r[key] for r in rows}) == len(rows) > 0


def test_inspections_walk_newest_first(api, codes):
    for n, code in enumerate(codes[:9]):
        Inspection.objects.create(
            area_code=code, inspected_on=date(2025, 5, 1 + n % 2), inspecting_body="Chi cục"
        )
    rows = walk(api, "inspections/", {"limit": 2})
    expected = list(
        Inspection.objects.order_by("-inspected_on", "-id").values_list("id", flat=True)
    )
    assert [r["id"] for r in rows] == expected


def test_a_page_costs_the_same_at_any_depth_no_offset_in_the_sql(api, codes):
    first = api.get(f"{API}/area-codes/", {"limit": 2, "cursor": ""}).json()
    url = first["next"]
    for _ in range(8):
        url = api.get(url).json()["next"]
    for target in (f"{API}/area-codes/?limit=2&cursor=", url):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(target)
        assert response.status_code == 200
        page_sql = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
        assert page_sql, "the page's query was not seen"
        assert not any("OFFSET" in sql.upper() for sql in page_sql), page_sql
    # the offset mode, for contrast, does use OFFSET (so the check above can fail)
    with CaptureQueriesContext(connection) as captured:
        api.get(f"{API}/area-codes/", {"limit": 2, "offset": 10})
    assert any("OFFSET" in q["sql"] for q in captured.captured_queries)


def test_a_deep_page_is_served_again_from_the_answer_cache_until_data_changes(api, codes):
    # Cached list pages must stay exact: a cursor page after a write shows the write.
    page = api.get(f"{API}/area-codes/", {"limit": 3, "cursor": ""}).json()
    second = api.get(page["next"]).json()
    assert api.get(page["next"]).json() == second
    moved = AreaCode.objects.get(code=second["results"][0]["code"])
    moved.area_ha = 99
    moved.save()
    assert api.get(page["next"]).json()["results"][0]["area_ha"] == "99.00"


@pytest.mark.parametrize(
    "cursor",
    ["***", "bm90IGpzb24", "W10", "eyJvIjpbImNvZGUiXSwidiI6WzFdfQ", "eyJvIjpbImlkIl0sInYiOlsxXX0"],
)
def test_a_malformed_cursor_is_a_400_naming_cursor(api, codes, cursor):
    response = api.get(f"{API}/area-codes/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


def test_a_cursor_value_that_does_not_fit_its_field_is_a_400(api, codes):
    import base64
    import json

    for values in (["x\x00"], ["not-a-date", 1], [2**70]):
        order = ["code"] if len(values) == 1 and isinstance(values[0], str) else ["issued_on", "pk"]
        if values == [2**70]:
            order = ["pk"]
        raw = json.dumps({"o": order, "v": values}).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        params = {"cursor": cursor}
        if order[0] == "issued_on":
            params["ordering"] = "issued_on"
        response = api.get(f"{API}/area-codes/", params)
        assert response.status_code == 400, (values, response.content)
        assert "cursor" in response.json()


@pytest.mark.parametrize(
    ("ordering", "values"),
    [
        ("-area_ha", ["1e999999999", 1]),
        ("-area_ha", ["NaN", 1]),
        ("-area_ha", ["Infinity", 1]),
        ("-area_ha", ["-1e20", 1]),
        ("code", ["\ud800"]),
        ("code", ["VN\x00"]),
    ],
)
def test_a_cursor_value_the_database_could_not_compare_is_a_400_not_a_500(
    api, codes, ordering, values
):
    import base64
    import json

    order = [ordering, "pk"] if ordering != "code" else ["code"]
    raw = json.dumps({"o": order, "v": values}).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.get(f"{API}/area-codes/", {"cursor": cursor, "ordering": ordering})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


def test_a_cursor_of_another_ordering_is_refused(api, codes):
    page = api.get(f"{API}/area-codes/", {"limit": 2, "cursor": ""}).json()
    cursor = page["next"].split("cursor=")[1].split("&")[0]
    response = api.get(f"{API}/area-codes/", {"cursor": cursor, "ordering": "-area_ha"})
    assert response.status_code == 400
    assert "another order" in response.json()["cursor"][0]


def test_cursor_with_offset_or_an_ordering_that_may_be_empty_is_a_clear_400(api, codes):
    response = api.get(f"{API}/area-codes/", {"cursor": "", "offset": 10})
    assert response.status_code == 400 and "offset" in response.json()
    CooperativeFactory()
    response = api.get(f"{API}/cooperatives/", {"cursor": "", "ordering": "established_on"})
    assert response.status_code == 400 and "ordering" in response.json()
    # without the cursor the same ordering is fine
    assert api.get(f"{API}/cooperatives/", {"ordering": "established_on"}).status_code == 200


def test_the_openapi_schema_documents_the_cursor(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/area-codes/"]["get"]["parameters"]
    assert "cursor" in {p["name"] for p in parameters}


def test_downloads_ignore_the_cursor(api, codes):
    response = api.get(f"{API}/area-codes/", {"format": "csv", "cursor": ""})
    assert response.status_code == 200
