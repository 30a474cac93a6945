"""A code typed another way (any case, no dashes, other dashes) on the public pages and their
QR images: redirected to the stored code, found from the index on the code without its dashes
(``*_dashless_idx``, registry/migrations/0020), on PostgreSQL and on SQLite."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from registry.keys import DashlessCode, dashless_code
from registry.models import AreaCode, PackingHouse
from registry.public import pages
from tests.factories import AreaCodeFactory, PackingHouseFactory

pytestmark = pytest.mark.django_db

AREA_CODE = "VN-SLOR-0017"
PACKING_HOUSE = "VN-SLPH-0017"
#: how a person may type each one: any case, no dashes, some dashes, other dashes
TYPED = {
    "/codes/": (
        AREA_CODE,
        ["vn-slor-0017", "vnslor0017", "VNSLOR0017", "VnSlOr0017", "vn-slor0017", "Vn–Slor–0017"],
    ),
    "/packing-houses/": (
        PACKING_HOUSE,
        ["vn-slph-0017", "vnslph0017", "VNSLPH0017", "VnSlPh0017", "vnslph-0017", "vn—slph—0017"],
    ),
}
CASES = [
    (prefix, stored, typed) for prefix, (stored, spellings) in TYPED.items() for typed in spellings
]
#: near misses: another number, a digit short, a digit more
UNKNOWN = {
    "/codes/": ["vnslor0019", "vnslor017", "vn-slor-00170", "---"],
    "/packing-houses/": ["vnslph0019", "vnslph017", "vn-slph-00170", "---"],
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    """QR images are cached by URL; each test starts empty."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def codes():
    AreaCodeFactory(code=AREA_CODE)
    PackingHouseFactory(code=PACKING_HOUSE)
    # neighbours that share a prefix or digits, so that a match is not the only row
    for number in (16, 18, 170):
        AreaCodeFactory(code=f"VN-SLOR-{number:04d}")
        PackingHouseFactory(code=f"VN-SLPH-{number:04d}")


@pytest.mark.parametrize("prefix, stored, typed", CASES)
@pytest.mark.parametrize("suffix", ["", "qr.svg", "qr.png"])
def test_a_code_typed_another_way_redirects_to_the_stored_code(
    codes, prefix, stored, typed, suffix
):
    response = Client().get(f"{prefix}{typed}/{suffix}")
    assert response.status_code == 301, (typed, suffix)
    assert response["Location"] == f"{prefix}{stored}/{suffix}"
    assert Client().get(response["Location"]).status_code == 200


@pytest.mark.parametrize("typed", TYPED["/codes/"][1])
def test_a_label_typed_another_way_redirects_to_the_stored_codes_label(codes, typed):
    response = Client().get(f"/codes/{typed}/label/")
    assert response.status_code == 301, typed
    assert response["Location"] == f"/codes/{AREA_CODE}/label/"
    assert Client().get(response["Location"]).status_code == 200
    assert Client().get("/codes/vnslor0019/label/").status_code == 404


@pytest.mark.parametrize("prefix", UNKNOWN)
@pytest.mark.parametrize("suffix", ["", "qr.svg", "qr.png"])
def test_a_code_that_no_spelling_matches_is_not_found(codes, prefix, suffix):
    for typed in UNKNOWN[prefix]:
        response = Client().get(f"{prefix}{typed}/{suffix}")
        assert response.status_code == 404, typed


def test_two_codes_that_differ_only_in_dashes_are_not_guessed_between():
    AreaCodeFactory(code="VN-SLOR-0042")
    AreaCodeFactory(code="VN-SL-OR-0042")
    assert pages.canonical_code(AreaCode, "vnslor0042") is None
    assert Client().get("/codes/vnslor0042/").status_code == 404
    # typed with its own dashes, each is found
    assert pages.canonical_code(AreaCode, "vn-sl-or-0042") == "VN-SL-OR-0042"
    assert Client().get("/codes/vn-slor-0042/")["Location"] == "/codes/VN-SLOR-0042/"


@pytest.mark.parametrize(
    "raw", ["VN-SLOR-0017", " vn–slor—0017 ", "vn_slor_0017", "VN-SL-SM-04204-01-24", "--", ""]
)
def test_the_sql_and_python_forms_of_a_dashless_code_agree(raw):
    """Oracle: PostgreSQL's (or SQLite's) REPLACE of the stored code, against Python's."""
    AreaCodeFactory(code=raw if raw.strip("- ") else "VN-SLOR-0001")
    stored = AreaCode.objects.get()
    in_sql = AreaCode.objects.annotate(bare=DashlessCode("code")).values_list("bare", flat=True)
    assert list(in_sql) == [dashless_code(stored.code)]


# --- The look-up reads the index -------------------------------------------------------------


def executed_by(call) -> list[tuple[str, tuple]]:
    """The SQL and parameters ``call()`` sent to the database, as sent."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return sent


def explain(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_generic(sql: str, params: tuple) -> str:
    """The plan PostgreSQL keeps for the statement once prepared (server-side binding prepares
    a repeated statement): planned without the parameters' values."""
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub("%s", lambda _: f"${next(numbered)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE dashless_lookup AS {prepared}")
        try:
            cursor.execute(
                connection.ops.compose_sql(
                    "EXPLAIN EXECUTE dashless_lookup(" + ", ".join(["%s"] * len(params)) + ")",
                    params,
                )
            )
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE dashless_lookup")


@pytest.mark.parametrize(
    "model, typed, index",
    [
        (AreaCode, "vnslor0017", "area_code_dashless_idx"),
        (PackingHouse, "vnslph0017", "packing_house_dashless_idx"),
    ],
)
def test_a_dashless_code_is_found_from_its_index(codes, model, typed, index):
    sent = executed_by(lambda: pages.canonical_code(model, typed))
    dashless = [(sql, params) for sql, params in sent if "REPLACE" in sql]
    assert len(dashless) == 1, sent  # after the exact key missed
    sql, params = dashless[0]
    if connection.vendor == "sqlite":
        plans = [explain(sql, params)]
    else:
        with connection.cursor() as cursor:
            # The test tables are small enough to read whole; can the index answer?
            cursor.execute("SET LOCAL enable_seqscan = off")
        plans = [explain(sql, params), explain_generic(sql, params)]
    for plan in plans:
        assert index in plan, plan
        assert "Seq Scan" not in plan, plan
