"""Exact query counts for every endpoint, held in ``tests/query_counts.py`` (issue 9 §6).

Each endpoint is measured on a small registry (3 of everything) and on a larger one (30),
with ``CaptureQueriesContext``; both must equal the number in the file, so a count that
changes, or one that grows with the number of rows, fails. Each measurement runs in a
savepoint that is rolled back (a status change or an import measured on one endpoint leaves
nothing for the next) with every cache emptied first.

Everything runs inside the test's transaction after writing data, so the registry's answer
cache and reference tables are bypassed (``registry.data_version``): these are the counts of
the uncached path, the one a request takes after any write.

When a count changes on purpose, update ``tests/query_counts.py``: the failure lists every
endpoint's measured counts in the file's format.
"""

import io
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import (
    AreaCode,
    BoundaryOverlap,
    CertificationBody,
    CodeStatus,
    Cooperative,
    Crop,
    Grower,
    Inspection,
    InspectionSample,
    Market,
    PackingHouse,
    PackingHouseSource,
    Season,
    SeasonMarket,
    TrademarkRight,
    VietGAPCertificate,
)
from registry.rules.tax_codes import tax_code, valid_tax_codes
from tests import query_counts
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CertificationBodyFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    TrademarkRightFactory,
    commune,
    set_status,
)
from tests.geo_support import shifted
from tests.property_support import clear_caches, one_example

pytestmark = pytest.mark.django_db

API = "/api/v1"
SIZES = (3, 30)
IMPORT_SIZES = (2, 5, 12)
COMMUNES = ("04204", "04183")


def build(n: int) -> None:
    """``n`` cooperatives (each with a trademark right), certificates (valid, revoked,
    expired), area codes (some without a certificate, in two markets, half suspended in one)
    and packing houses (half with a cooperative)."""
    au, _us, cn = (MarketFactory(code=code) for code in ("AU", "US", "CN"))
    longan = CropFactory(slug="longan", max_yield_tonnes_per_ha=Decimal("20"))
    CropFactory(slug="mango", name_vi="Xoài", name_en="Mango")
    body = CertificationBodyFactory()
    today = timezone.localdate()
    tax_codes = valid_tax_codes()  # the first is tax_code(1)
    for i in range(n):
        place = commune(COMMUNES[i % 2])
        cooperative = CooperativeFactory(tax_code=next(tax_codes), commune=place)
        TrademarkRightFactory(cooperative=cooperative)
        issued = today - timedelta(days=200 + 400 * (i % 3 == 2))
        certificate = CertificateFactory(
            body=body,
            cooperative=cooperative,
            crop=longan,
            commune=place,
            issued_on=issued,
            expires_on=issued + timedelta(days=500),
            revoked_on=today - timedelta(days=5) if i % 3 == 1 else None,
            revocation_reason="Audit failed" if i % 3 == 1 else "",
        )
        code = AreaCodeFactory(
            code=f"VN-SLOR-{i + 1:04d}",
            crop=longan,
            cooperative=cooperative,
            certificate=certificate if i % 4 != 3 else None,
            commune=place,
            # a chain of squares, each overlapping the next; every fourth code has none
            boundary=shifted(50 * i, metres=100) if i % 4 != 2 else None,
        )
        set_status(code, CodeStatus.ACTIVE, au, cn, on=date(2025, 1, 1))
        if i % 2:
            set_status(code, CodeStatus.SUSPENDED, cn, on=date(2025, 3, 1))
        house = PackingHouseFactory(
            code=f"VN-SLPH-{i + 1:04d}", cooperative=cooperative if i % 2 else None
        )
        set_status(house, CodeStatus.ACTIVE, au, on=date(2025, 1, 1))
        for months_ago in range(2 - i % 3):  # two, one or no inspection, each with a sample
            inspection = Inspection.objects.create(
                area_code=code,
                inspected_on=today - timedelta(days=200 * months_ago + 30),
                inspecting_body="Chi cục",
                kind="periodic",
                result="non_compliant" if months_ago else "compliant",
            )
            inspection.markets.set([cn])
            InspectionSample.objects.create(inspection=inspection, substance="x", exceeded=True)
        for year in (2024, 2025):  # two seasons, the second over capacity for odd codes
            season = Season.objects.create(
                area_code=code,
                crop_year=year,
                expected_tonnes=Decimal("100") + Decimal("400") * (i % 2) * (year - 2024),
                harvest_start=date(year, 7, 1),
                harvest_end=date(year, 8, 31),
            )
            SeasonMarket.objects.create(season=season, market=cn, tonnes=Decimal("50"))
            SeasonMarket.objects.create(season=season, market=au, tonnes=Decimal("20"))
        Inspection.objects.create(
            packing_house=house,
            inspected_on=today - timedelta(days=60),
            inspecting_body="GACC",
            kind="video",
            result="compliant",
        )
        for household in range(i % 3):  # none, one or two growers
            Grower.objects.create(
                area_code=code, name=f"Hộ {household}", plot_area_ha=Decimal("1.5")
            )
        # Packing house 1 packs every code (one link ended), house i its own code too.
        first_house = PackingHouse.objects.get(code="VN-SLPH-0001")
        for packer in {first_house, house}:
            PackingHouseSource.objects.create(
                packing_house=packer,
                area_code=code,
                market=au if i % 3 else cn,
                valid_from=date(2025, 1, 1),
                valid_until=date(2025, 3, 31) if i % 5 == 4 else None,
            )


# --- What each endpoint does --------------------------------------------------------------------


class Clients:
    def __init__(self, superuser):
        self.anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.signed_in = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.signed_in.force_authenticate(superuser)
        self.admin = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.admin.force_login(superuser)


def consumed(response):
    """The response, its streamed body read to the end."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


# Each endpoint: ``(clients) -> request``, where ``request()`` makes the one measured request.
# What the request needs from the database (an id, the codes to check) is read before.


def api_get(path, params=None, signed_in=False):
    def prepare(clients):
        client = clients.signed_in if signed_in else clients.anonymous
        url = f"{API}/{path() if callable(path) else path}"
        return lambda: consumed(client.get(url, params or {}))

    return prepare


def api_post(path, body):
    def prepare(clients):
        data = body()
        return lambda: clients.signed_in.post(f"{API}/{path}", data, format="json")

    return prepare


def bulk_check():
    codes = [*AreaCode.objects.values_list("code", flat=True)]
    codes += [*PackingHouse.objects.values_list("code", flat=True), "VN-NOPE-0001"]
    return {"market": "AU", "date": "2025-06-01", "codes": [c.lower() for c in codes]}


def bulk_check_with_packing_house():
    return {**bulk_check(), "packing_house": "vn-slph-0001"}


def link(tail=""):
    def path():
        first = PackingHouseSource.objects.order_by("id").values_list("id", flat=True)[0]
        return f"packing-house-sources/{first}/{tail}"

    return path


def grower(tail=""):
    def path():
        first = Grower.objects.order_by("id").values_list("id", flat=True)[0]
        return f"growers/{first}/{tail}"

    return path


def suspend_for_au():
    return {
        "to_status": "suspended",
        "markets": ["AU"],
        "reason": "Notice 12",
        "source": "local_inspection",
    }


def certificate(tail=""):
    def path():
        first = VietGAPCertificate.objects.order_by("id").values_list("id", flat=True)[0]
        return f"vietgap-certificates/{first}/{tail}"

    return path


def inspection(tail=""):
    def path():
        first = Inspection.objects.order_by("id").values_list("id", flat=True)[0]
        return f"inspections/{first}/{tail}"

    return path


def second_cursor_page(path, params=""):
    """The ``next`` link of a list's first keyset page (one row a page), relative to the API."""

    def find():
        first = APIClient().get(f"{API}/{path}?limit=1&cursor={params}").json()
        return first["next"].split(f"{API}/", 1)[1]

    return find


def season(tail=""):
    def path():
        return f"seasons/VN-SLOR-0001:2025/{tail}"

    return path


ADMIN_MODELS = {
    "season": Season,
    "boundaryoverlap": BoundaryOverlap,
    "inspection": Inspection,
    "areacode": AreaCode,
    "packinghouse": PackingHouse,
    "cooperative": Cooperative,
    "vietgapcertificate": VietGAPCertificate,
    "market": Market,
    "crop": Crop,
    "certificationbody": CertificationBody,
    "trademarkright": TrademarkRight,
    "packinghousesource": PackingHouseSource,
    "grower": Grower,
}


def admin_page(model_name: str, view: str):
    def prepare(clients):
        model = ADMIN_MODELS[model_name]
        args = [model.objects.order_by("pk").values_list("pk", flat=True)[0]]
        url = reverse(f"admin:registry_{model_name}_{view}", args=args if view == "change" else [])
        return lambda: consumed(clients.admin.get(url))

    return prepare


ENDPOINTS = {
    "api area-codes list": api_get("area-codes/"),
    "api area-codes list valid_on": api_get(
        "area-codes/", {"market": "AU,CN", "valid_on": "2025-06-01"}
    ),
    "api area-codes list status": api_get("area-codes/", {"market": "CN", "status": "suspended"}),
    "api area-codes detail": api_get("area-codes/vn-slor-0001/"),
    "api area-codes csv": api_get("area-codes/", {"format": "csv"}),
    "api area-codes xlsx": api_get("area-codes/", {"format": "xlsx"}),
    "api area-codes check": api_post("area-codes/check/", bulk_check),
    "api area-codes status-changes GET": api_get("area-codes/VN-SLOR-0002/status-changes/"),
    "api area-codes status-changes POST": api_post(
        "area-codes/VN-SLOR-0001/status-changes/", suspend_for_au
    ),
    "api area-codes history": api_get("area-codes/VN-SLOR-0001/history/", signed_in=True),
    "api area-codes overlaps": api_get("area-codes/vn-slor-0002/overlaps/"),
    "api area-codes geojson": api_get("area-codes/", {"format": "geojson"}),
    "api area-codes detail geojson": api_get("area-codes/vn-slor-0002/", {"format": "geojson"}),
    "api area-codes list bbox": api_get("area-codes/", {"bbox": "103.8,21,104,21.2"}),
    "api packing-houses list": api_get("packing-houses/"),
    "api packing-houses detail": api_get("packing-houses/VN-SLPH-0002/"),
    "api packing-houses csv": api_get("packing-houses/", {"format": "csv"}),
    "api packing-houses xlsx": api_get("packing-houses/", {"format": "xlsx"}),
    "api packing-houses status-changes GET": api_get("packing-houses/VN-SLPH-0001/status-changes/"),
    "api packing-houses status-changes POST": api_post(
        "packing-houses/VN-SLPH-0001/status-changes/", suspend_for_au
    ),
    "api packing-houses history": api_get("packing-houses/VN-SLPH-0001/history/", signed_in=True),
    "api cooperatives list": api_get("cooperatives/"),
    "api cooperatives detail": api_get(f"cooperatives/{tax_code(1)}/"),
    "api cooperatives csv": api_get("cooperatives/", {"format": "csv"}),
    "api cooperatives xlsx": api_get("cooperatives/", {"format": "xlsx"}),
    "api cooperatives history": api_get(f"cooperatives/{tax_code(1)}/history/", signed_in=True),
    "api vietgap-certificates list": api_get("vietgap-certificates/"),
    "api vietgap-certificates detail": api_get(certificate()),
    "api vietgap-certificates csv": api_get("vietgap-certificates/", {"format": "csv"}),
    "api vietgap-certificates xlsx": api_get("vietgap-certificates/", {"format": "xlsx"}),
    "api vietgap-certificates history": api_get(certificate("history/"), signed_in=True),
    "api area-codes list supervision": api_get("area-codes/", {"supervision": "overdue,never"}),
    "api inspections list": api_get("inspections/"),
    "api inspections list signed in": api_get("inspections/", signed_in=True),
    "api inspections detail": api_get(inspection()),
    "api inspections csv": api_get("inspections/", {"format": "csv"}),
    "api inspections history": api_get(inspection("history/"), signed_in=True),
    "api area-codes list cursor": api_get("area-codes/", {"cursor": ""}),
    "api area-codes list cursor next": api_get(second_cursor_page("area-codes/")),
    "api area-codes list cursor filtered next": api_get(
        second_cursor_page("area-codes/", "&market=AU&crop=longan")
    ),
    "api packing-houses list cursor next": api_get(second_cursor_page("packing-houses/")),
    "api cooperatives list cursor next": api_get(second_cursor_page("cooperatives/")),
    "api vietgap-certificates list cursor next": api_get(
        second_cursor_page("vietgap-certificates/")
    ),
    "api inspections list cursor next": api_get(second_cursor_page("inspections/")),
    "api markets list cursor": api_get("markets/", {"cursor": ""}),
    "api seasons list": api_get("seasons/"),
    "api seasons list signed in": api_get("seasons/", signed_in=True),
    "api seasons list capacity": api_get("seasons/", {"capacity": "exceeded", "market": "CN"}),
    "api seasons detail": api_get(season()),
    "api seasons csv": api_get("seasons/", {"format": "csv"}),
    "api seasons xlsx": api_get("seasons/", {"format": "xlsx"}),
    "api seasons history": api_get(season("history/"), signed_in=True),
    "api area-codes check packing_house": api_post(
        "area-codes/check/", bulk_check_with_packing_house
    ),
    "api packing-houses sources": api_get(
        "packing-houses/VN-SLPH-0001/sources/", {"market": "AU", "valid_on": "2025-06-01"}
    ),
    "api area-codes packing-houses": api_get(
        "area-codes/VN-SLOR-0001/packing-houses/", {"valid_on": "2025-06-01"}
    ),
    "api packing-house-sources list": api_get("packing-house-sources/"),
    "api packing-house-sources list valid_on": api_get(
        "packing-house-sources/", {"market": "AU,CN", "valid_on": "2025-06-01"}
    ),
    "api packing-house-sources detail": api_get(link()),
    "api packing-house-sources csv": api_get("packing-house-sources/", {"format": "csv"}),
    "api packing-house-sources xlsx": api_get("packing-house-sources/", {"format": "xlsx"}),
    "api packing-house-sources history": api_get(link("history/"), signed_in=True),
    "api growers list": api_get("growers/", signed_in=True),
    "api growers detail": api_get(grower(), signed_in=True),
    "api growers csv": api_get("growers/", {"format": "csv"}, signed_in=True),
    "api growers history": api_get(grower("history/"), signed_in=True),
    "api changes list": api_get("changes/"),
    "api changes list filtered": api_get(
        "changes/", {"market": "AU", "cooperative": tax_code(1), "kind": "status_change"}
    ),
    "api markets list": api_get("markets/"),
    "api markets detail": api_get("markets/au/"),
    "api crops list": api_get("crops/"),
    "api crops detail": api_get("crops/longan/"),
    "api provinces list": api_get("provinces/"),
    "api provinces detail": api_get("provinces/14/"),
    "api communes list": api_get("communes/"),
    "api communes detail": api_get("communes/04204/"),
    "admin index": lambda clients: lambda: clients.admin.get(reverse("admin:index")),
    **{
        f"admin {model_name} {view}": admin_page(model_name, view)
        for model_name in ADMIN_MODELS
        for view in ("changelist", "change")
    },
}


@contextmanager
def counting_copy(captured: CaptureQueriesContext):
    """COPY (the CSV downloads on PostgreSQL) runs on psycopg's own cursor, out of Django's
    sight: count each ``Cursor.copy`` as a query too."""
    if connection.vendor != "postgresql":
        yield
        return
    import psycopg

    real_copy = psycopg.Cursor.copy

    def copy(cursor, statement, *args, **kwargs):
        captured.connection.queries_log.append({"sql": str(statement), "time": "0"})
        return real_copy(cursor, statement, *args, **kwargs)

    with mock.patch.object(psycopg.Cursor, "copy", copy):
        yield


def measure(prepare, clients) -> int:
    with one_example():
        request = prepare(clients)
        clear_caches()
        with CaptureQueriesContext(connection) as captured, counting_copy(captured):
            response = request()
        assert response.status_code in (200, 201), (response.status_code, response.content[:500])
    return len(captured)


def expected_counts() -> dict[str, int]:
    expected = dict(query_counts.QUERY_COUNTS)
    if connection.vendor == "sqlite":
        expected.update(query_counts.SQLITE_QUERY_COUNTS)
    return expected


def test_every_endpoint_is_in_the_file():
    assert set(ENDPOINTS) == set(query_counts.QUERY_COUNTS)
    assert set(query_counts.SQLITE_QUERY_COUNTS) <= set(query_counts.QUERY_COUNTS)
    assert set(query_counts.SQLITE_IMPORT_QUERY_COUNTS) <= set(query_counts.IMPORT_QUERY_COUNTS)


@pytest.mark.parametrize("n", SIZES)
def test_query_counts_are_exact_and_do_not_grow_with_rows(n, admin_user):
    build(n)
    clients = Clients(admin_user)
    measured = {name: measure(call, clients) for name, call in ENDPOINTS.items()}
    expected = expected_counts()
    wrong = {name: count for name, count in measured.items() if count != expected.get(name)}
    assert not wrong, (
        f"with {n} rows of each kind, these endpoints ran another number of queries than "
        f"tests/query_counts.py says (measured: {wrong}; expected: "
        f"{ {name: expected.get(name) for name in wrong} })"
    )


# --- Imports -------------------------------------------------------------------------------------


def area_code_rows(n: int) -> bytes:
    lines = ["code,crop,cooperative,area (ha),commune code,issue date,status AU"]
    lines += [
        f"VN-SLOR-{9000 + i:04d},longan,{tax_code(1)},12.5,{COMMUNES[i % 2]},2026-01-10,active"
        for i in range(n)
    ]
    return "\n".join(lines).encode()


def admin_import_queries(clients, model_name: str, rows: bytes, n: int, check) -> tuple[int, int]:
    """(queries of the upload, which previews the file in the request, and of the
    confirmation) of importing ``rows`` (``n`` new records) through the admin's import pages of
    ``model_name``; ``check()`` then asserts what was written."""
    from registry.models import ImportJob

    upload = io.BytesIO(rows)
    upload.name = "rows.csv"
    clear_caches()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = clients.admin.post(
            reverse(f"admin:registry_{model_name}_import"),
            {"resource": "0", "format": "0", "import_file": upload},
        )
    assert preview.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.summary["counts"] == {"new": n, "update": 0, "skip": 0, "error": 0}, job.summary[
        "problems"
    ]
    clear_caches()
    with CaptureQueriesContext(connection) as confirm_queries:
        done = clients.admin.post(
            reverse(f"admin:registry_{model_name}_process_import"), {"job": job.pk}
        )
    assert done.status_code == 302
    check()
    return len(preview_queries), len(confirm_queries)


def import_counts(clients, n: int) -> tuple[int, int]:
    """The import's queries for ``n`` new area codes, each registered for AU."""

    def check():
        written = AreaCode.objects.filter(code__startswith="VN-SLOR-9")
        assert written.count() == n
        assert AreaCode.history.filter(code__startswith="VN-SLOR-9").count() == n
        assert sum(code.status_changes.count() for code in written) == n

    with one_example():
        return admin_import_queries(clients, "areacode", area_code_rows(n), n, check)


def inspection_rows(n: int) -> bytes:
    """``n`` new inspections, of codes and packing houses by turns, each for two markets."""
    lines = ["id,code,packing_house,inspected_on,inspecting_body,kind,result,markets"]
    lines += [
        f",{'VN-SLOR-0001' if i % 2 else ''},{'' if i % 2 else 'VN-SLPH-0001'},2026-01-10,"
        f"Chi cục,periodic,non_compliant,AU; CN"
        for i in range(n)
    ]
    return "\n".join(lines).encode()


def inspection_import_counts(clients, n: int) -> tuple[int, int]:
    """The import's queries for ``n`` new inspections, each with its markets (link rows and
    the history's snapshot of them)."""
    with one_example():
        before = Inspection.objects.count()

        def check():
            imported = Inspection.objects.order_by("-pk")[:n]
            assert Inspection.objects.count() == before + n
            assert all(i.markets.count() == 2 and i.history.count() == 1 for i in imported)
            assert all(i.history.get().markets.count() == 2 for i in imported)

        return admin_import_queries(clients, "inspection", inspection_rows(n), n, check)


def season_rows(n: int) -> bytes:
    """``n`` new seasons of one code, each declaring for two markets."""
    lines = ["code,crop_year,expected_tonnes,harvest_start,harvest_end,declarations"]
    lines += [
        f"VN-SLOR-0002,{2000 + i},100,{2000 + i}-07-01,{2000 + i}-08-01,CN: 10; AU: 5"
        for i in range(n)
    ]
    return "\n".join(lines).encode()


def link_rows(n: int) -> bytes:
    """``n`` new links of one pair and market, one month each (windows that do not overlap)."""
    lines = ["packing_house,code,market,valid_from,valid_until,registration_number"]
    lines += [
        f"VN-SLPH-0003,VN-SLOR-0001,CN,2026-{i + 1:02d}-01,2026-{i + 1:02d}-20,GACC-{i}"
        for i in range(n)
    ]
    return "\n".join(lines).encode()


def season_import_counts(clients, n: int) -> tuple[int, int]:
    """The import's queries for ``n`` new seasons with their declarations (written one by
    one, with their history: a row's declarations cost a few queries each)."""
    with one_example():

        def check():
            imported = Season.objects.filter(crop_year__lt=2020)
            assert imported.count() == n
            assert SeasonMarket.objects.filter(season__in=imported).count() == 2 * n

        return admin_import_queries(clients, "season", season_rows(n), n, check)


def link_import_counts(clients, n: int) -> tuple[int, int]:
    """The import's queries for ``n`` new packing-house links (overlaps checked a batch at a
    time, against the registry and the file)."""
    with one_example():
        before = PackingHouseSource.objects.count()

        def check():
            assert PackingHouseSource.objects.count() == before + n
            assert PackingHouseSource.history.count() >= n

        return admin_import_queries(clients, "packinghousesource", link_rows(n), n, check)


def test_import_query_counts_follow_the_per_row_formula(admin_user):
    build(3)
    clients = Clients(admin_user)
    formulas = dict(query_counts.IMPORT_QUERY_COUNTS)
    if connection.vendor == "sqlite":
        formulas.update(query_counts.SQLITE_IMPORT_QUERY_COUNTS)
    measured, expected = {}, {}
    for n in IMPORT_SIZES:
        preview, confirm = import_counts(clients, n)
        measured[n] = {"import area codes preview": preview, "import area codes confirm": confirm}
        preview, confirm = inspection_import_counts(clients, n)
        measured[n] |= {
            "import inspections preview": preview,
            "import inspections confirm": confirm,
        }
        preview, confirm = season_import_counts(clients, n)
        measured[n] |= {"import seasons preview": preview, "import seasons confirm": confirm}
        preview, confirm = link_import_counts(clients, n)
        measured[n] |= {
            "import packing-house sources preview": preview,
            "import packing-house sources confirm": confirm,
        }
        expected[n] = {name: base + per_row * n for name, (base, per_row) in formulas.items()}
    assert measured == expected, "queries of importing N rows, by N"
