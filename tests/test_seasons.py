"""Seasons: the API (list, detail by key, filters, writes, 400s naming the field, clearing), the
admin (list filter, reasons, clearing with a note, the code's page, the dashboard), downloads
and the spreadsheet import; each capacity state (ok, exceeded by output, exceeded by
declarations, cleared, cleared then changed) seen through each of them."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import CapacityClearance, Season, SeasonMarket
from registry.rules import capacity
from tests.factories import AreaCodeFactory, CropFactory, MarketFactory
from tests.test_spreadsheets import confirm, counts, errors_by_row, import_file

pytestmark = pytest.mark.django_db

API = "/api/v1/seasons/"
D = Decimal


def season(code, year, expected, actual=None, declared=None, **fields):
    made = Season.objects.create(
        area_code=code,
        crop_year=year,
        expected_tonnes=D(expected),
        actual_tonnes=None if actual is None else D(actual),
        harvest_start=date(year, 7, 1),
        harvest_end=date(year, 8, 31),
        **fields,
    )
    for market, tonnes in (declared or {}).items():
        SeasonMarket.objects.create(season=made, market=market, tonnes=D(tonnes))
    return made


@pytest.fixture
def world():
    """Longan at 20 t/ha on 10 ha: capacity 200 t. Four seasons, one per state of interest."""
    cn, au = MarketFactory(code="CN"), MarketFactory(code="AU")
    longan = CropFactory(slug="longan", max_yield_tonnes_per_ha=D("20"))
    code = AreaCodeFactory(code="VN-SLOR-0001", crop=longan, area_ha=D("10"))
    other = AreaCodeFactory(code="VN-SLOR-0002", crop=longan, area_ha=D("10"))
    return {
        "cn": cn,
        "au": au,
        "code": code,
        "other": other,
        "ok": season(code, 2024, "150", "140", {cn: "100", au: "40"}),
        "by_output": season(code, 2025, "150", "230"),
        "by_declarations": season(other, 2024, "150", None, {cn: "120", au: "40"}),
        "cleared": season(other, 2025, "250"),
    }


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def keys_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


@pytest.fixture
def cleared(world, administrator):
    capacity.clear(world["cleared"], administrator, "Two flowerings this year (checked).")
    return world["cleared"]


# --- API ---------------------------------------------------------------------------------------


def test_list_and_detail_show_figures_state_and_reasons(world, cleared):
    listed = keys_of(api().get(API))
    assert listed == [
        "VN-SLOR-0001:2025",
        "VN-SLOR-0001:2024",
        "VN-SLOR-0002:2025",
        "VN-SLOR-0002:2024",
    ]
    detail = api().get(f"{API}vn-slor-0001:2025/").json()
    assert detail["crop"] == "longan" and detail["area_ha"] == "10.00"
    assert detail["capacity"]["state"] == "exceeded"
    assert detail["capacity"]["capacity_tonnes"] == "200.0000"
    assert [r["code"] for r in detail["capacity"]["reasons"]] == ["actual_above_capacity"]
    assert "230" in detail["capacity"]["reasons"][0]["message"]
    assert detail["capacity"]["clearances"] is None, "who cleared and why: signed in only"
    by_id = api().get(f"{API}{world['ok'].pk}/").json()
    assert by_id["declarations"] == [
        {"market": "AU", "tonnes": "40.00"},
        {"market": "CN", "tonnes": "100.00"},
    ]
    assert by_id["capacity"]["state"] == "ok" and by_id["capacity"]["declared_tonnes"] == "140.00"
    declared = api().get(f"{API}VN-SLOR-0002:2024/").json()["capacity"]
    assert [r["code"] for r in declared["reasons"]] == ["declared_above_output"]
    assert api().get(f"{API}VN-SLOR-0002:2023/").status_code == 404
    for odd in ("VN-SLOR-0002:x", "³", "VN-SLOR-0002:²⁰²⁴", "9" * 30, "VN-SLOR-0002:" + "9" * 30):
        assert api().get(f"{API}{odd}/").status_code == 404, odd


def test_capacity_filter_each_state(world, cleared, staff):
    def listed(**params):
        return keys_of(api().get(API, params))

    assert listed(capacity="exceeded") == ["VN-SLOR-0001:2025", "VN-SLOR-0002:2024"]
    assert listed(capacity="cleared") == ["VN-SLOR-0002:2025"]
    assert listed(capacity="ok") == ["VN-SLOR-0001:2024"]
    assert listed(capacity="ok,cleared") == ["VN-SLOR-0001:2024", "VN-SLOR-0002:2025"]
    [signed_in] = api(staff).get(API, {"capacity": "cleared"}).json()["results"]
    [clearance] = signed_in["capacity"]["clearances"]
    assert clearance["note"].startswith("Two flowerings") and clearance["current"] is True
    assert clearance["cleared_by"] == "administrators-user"
    # Cleared, then changed: back among the exceeded.
    Season.objects.filter(pk=cleared.pk).update(expected_tonnes=D("260"))
    assert listed(capacity="cleared") == []
    assert "VN-SLOR-0002:2025" in listed(capacity="exceeded")


def test_other_filters(world):
    assert keys_of(api().get(API, {"crop_year": "2024"})) == [
        "VN-SLOR-0001:2024",
        "VN-SLOR-0002:2024",
    ]
    assert keys_of(api().get(API, {"code": "vn-slor-0002", "crop_year": "2024,2025"})) == [
        "VN-SLOR-0002:2025",
        "VN-SLOR-0002:2024",
    ]
    assert keys_of(api().get(API, {"market": "AU"})) == ["VN-SLOR-0001:2024", "VN-SLOR-0002:2024"]
    assert len(keys_of(api().get(API, {"crop": "longan", "province": "14"}))) == 4


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"capacity": "full"}, "capacity"),
        ({"crop_year": "twenty"}, "crop_year"),
        ({"crop_year": "2025.5"}, "crop_year"),
        ({"market": "XX"}, "market"),
        ({"code": "VN-SLOR-9999"}, "code"),
        ({"crop": "durian-x"}, "crop"),
        ({"seasons": "1"}, "seasons"),
    ],
)
def test_bad_parameters_are_400s_naming_the_parameter(world, params, parameter):
    response = api().get(API, params)
    assert response.status_code == 400
    assert parameter in response.json()


NEW = {
    "code": "vn-slor-0002",
    "crop_year": 2026,
    "standard": "globalgap",
    "expected_tonnes": "120",
    "harvest_start": "2026-07-10",
    "harvest_end": "2026-09-01",
    "declarations": [{"market": "cn", "tonnes": "80"}, {"market": "AU", "tonnes": "10.5"}],
}


def test_data_entry_writes_a_season_with_its_declarations(world, data_entry):
    created = api(data_entry).post(API, NEW, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"] == "VN-SLOR-0002:2026"
    assert body["area_ha"] == "10.00", "the code's area when none is given"
    assert body["declarations"] == [
        {"market": "AU", "tonnes": "10.50"},
        {"market": "CN", "tonnes": "80.00"},
    ]
    assert body["capacity"]["state"] == "ok"
    changed = api(data_entry).patch(
        f"{API}VN-SLOR-0002:2026/",
        {"actual_tonnes": "60", "declarations": [{"market": "CN", "tonnes": "90"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["declarations"] == [{"market": "CN", "tonnes": "90.00"}]
    assert [r["code"] for r in changed.json()["capacity"]["reasons"]] == ["declared_above_output"]
    made = Season.objects.get(area_code=world["other"], crop_year=2026)
    assert made.history.count() == 2
    assert SeasonMarket.history.filter(season_id=made.pk, history_type="-").count() == 1
    assert api().post(API, NEW, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"harvest_end": "2026-07-01"}, "harvest_end"),
        ({"harvest_end": "2027-09-01"}, "harvest_end"),
        ({"harvest_start": "2025-07-10"}, "harvest_start"),
        ({"crop_year": 1999}, "crop_year"),
        (
            {"crop_year": 2025, "harvest_start": "2025-07-01", "harvest_end": "2025-08-01"},
            "crop_year",
        ),  # VN-SLOR-0002 has a 2025 season
        ({"expected_tonnes": "-1"}, "expected_tonnes"),
        ({"area_ha": "0"}, "area_ha"),
        ({"code": "VN-SLOR-9999"}, "code"),
        ({"standard": "biodynamic"}, "standard"),
        ({"declarations": [{"market": "XX", "tonnes": "1"}]}, "declarations"),
        ({"declarations": [{"market": "CN", "tonnes": "-1"}]}, "declarations"),
        (
            {"declarations": [{"market": "CN", "tonnes": "1"}, {"market": "cn", "tonnes": "2"}]},
            "declarations",
        ),
    ],
)
def test_bad_writes_are_400s_naming_the_field(world, data_entry, change, field):
    body = {**NEW, **change}
    if field == "harvest_start":
        body["harvest_end"] = "2025-09-01"
    response = api(data_entry).post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_clearing_through_the_api_is_for_administrators(world, administrator, data_entry):
    url = f"{API}VN-SLOR-0002:2024/clear/"
    assert api(data_entry).post(url, {"note": "x"}, format="json").status_code == 403
    assert api().post(url, {"note": "x"}, format="json").status_code in (401, 403)
    missing = api(administrator).post(url, {}, format="json")
    assert missing.status_code == 400 and "note" in missing.json()
    within = api(administrator).post(f"{API}VN-SLOR-0001:2024/clear/", {"note": "x"})
    assert within.status_code == 400 and "capacity" in within.json()
    done = api(administrator).post(url, {"note": "Declared by two exporters twice."})
    assert done.status_code == 200, done.content
    assert done.json()["capacity"]["state"] == "cleared"
    assert CapacityClearance.objects.get().cleared_by == administrator
    # The declarations change: the flag is back.
    SeasonMarket.objects.filter(season=world["by_declarations"], market=world["au"]).update(
        tonnes=D("45")
    )
    assert api().get(f"{API}VN-SLOR-0002:2024/").json()["capacity"]["state"] == "exceeded"


def test_csv_download_has_declarations_and_the_state(world, cleared):
    response = api().get(API, {"format": "csv", "lang": "en"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_key = {(r["growing-area code"], r["crop year"]): r for r in rows}
    assert by_key[("VN-SLOR-0001", "2024")]["declared for export (tonnes per market)"] == (
        "AU: 40.00; CN: 100.00"
    )
    states = {key: row["capacity check"] for key, row in by_key.items()}
    assert states == {
        ("VN-SLOR-0001", "2024"): "within capacity",
        ("VN-SLOR-0001", "2025"): "capacity exceeded",
        ("VN-SLOR-0002", "2024"): "capacity exceeded",
        ("VN-SLOR-0002", "2025"): "exceeded, cleared by an administrator",
    }
    xlsx = api().get(API, {"format": "xlsx", "capacity": "exceeded"})
    assert xlsx.status_code == 200


def test_copy_and_python_writers_write_the_same_bytes(world, cleared):
    from django.db import connection

    from registry import exports

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from registry.models import Market
    from registry.tables import SEASONS

    queryset = Season.objects.order_by("area_code__code", "crop_year")
    labels = SEASONS.value_labels([])
    copied = b"".join(exports.copy_rows(SEASONS, queryset, [], labels))
    written = b"".join(exports.python_rows(SEASONS, queryset, [], labels))
    assert copied == written
    assert b"AU: 40.00; CN: 100.00" in copied and Market.objects.count() == 2


# --- Admin -------------------------------------------------------------------------------------


def test_admin_list_filter_reasons_and_clearing(client, world, administrator):
    client.force_login(administrator)
    changelist = reverse("admin:registry_season_changelist")
    listed = client.get(changelist, {"capacity": "exceeded"})
    assert listed.status_code == 200
    assert {str(s) for s in listed.context["cl"].result_list} == {
        "VN-SLOR-0001 · 2025",
        "VN-SLOR-0002 · 2024",
        "VN-SLOR-0002 · 2025",
    }
    page = client.get(reverse("admin:registry_season_change", args=[world["by_output"].pk]))
    assert page.status_code == 200
    assert page.context["capacity"]["state"] == "exceeded"
    assert "230" in page.context["capacity"]["reasons"][0]
    assert b'id="clear-capacity"' in page.content
    url = reverse("admin:registry_season_clear_capacity", args=[world["by_output"].pk])
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 302 and not CapacityClearance.objects.exists()
    client.post(url, {"note": "Weighed twice, the scale was right."})
    [clearance] = CapacityClearance.objects.all()
    assert (clearance.cleared_by, clearance.actual_tonnes) == (administrator, D("230"))
    assert {
        str(s) for s in client.get(changelist, {"capacity": "cleared"}).context["cl"].result_list
    } == {"VN-SLOR-0001 · 2025"}
    after = client.get(reverse("admin:registry_season_change", args=[world["by_output"].pk]))
    assert after.context["capacity"]["state"] == "cleared"
    assert b"Weighed twice" in after.content
    assert client.get(changelist, {"capacity": "nonsense"}).status_code in (200, 302)


def test_only_administrators_may_clear_in_the_admin(client, world, data_entry):
    client.force_login(data_entry)
    page = client.get(reverse("admin:registry_season_change", args=[world["by_output"].pk]))
    assert page.status_code == 200 and b'id="clear-capacity"' not in page.content
    url = reverse("admin:registry_season_clear_capacity", args=[world["by_output"].pk])
    assert client.post(url, {"note": "mine"}).status_code == 403
    assert not CapacityClearance.objects.exists()


def test_data_entry_edits_seasons_and_declarations_in_the_admin(client, world, data_entry):
    client.force_login(data_entry)
    add = client.get(reverse("admin:registry_season_add"))
    assert add.status_code == 200
    page = client.get(reverse("admin:registry_season_change", args=[world["ok"].pk]))
    assert "declarations" in str(page.context["inline_admin_formsets"][0].formset.prefix)


def test_dashboard_counts_and_code_page(client, world, cleared, administrator):
    client.force_login(administrator)
    index = client.get(reverse("admin:index"))
    assert index.context["capacity_counts"] == {"ok": 1, "exceeded": 2, "cleared": 1}
    assert b'id="capacity-exceeded"' in index.content
    code_page = client.get(reverse("admin:registry_areacode_change", args=[world["code"].pk]))
    assert code_page.status_code == 200
    assert b"seasons" in code_page.content.lower() or "vụ" in code_page.content.decode()
    crop_page = client.get(reverse("admin:registry_crop_change", args=[world["code"].crop_id]))
    assert b"max_yield_source" in crop_page.content


# --- Import ------------------------------------------------------------------------------------


def test_import_round_trip_of_the_download(client, world, cleared, administrator):
    client.force_login(administrator)
    downloaded = b"".join(client.get(reverse("admin:registry_season_download")).streaming_content)
    unchanged = import_file(client, "season", downloaded)
    assert counts(unchanged) == {"new": 0, "update": 0, "skip": 4, "error": 0}, errors_by_row(
        unchanged
    )
    text = downloaded.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    declarations = header.index(next(h for h in header if "xuất khẩu" in h or "export" in h))
    crop_year = 1
    rows[1][declarations] = "CN: 300"
    new = list(rows[1])
    new[crop_year] = "2026"
    new[header.index(next(h for h in header if "bắt đầu" in h or "starts" in h))] = "2026-07-01"
    new[header.index(next(h for h in header if "kết thúc" in h or "ends" in h))] = "2026-08-01"
    rows.append(new)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    preview = import_file(client, "season", buffer.getvalue().encode("utf-8-sig"))
    assert counts(preview) == {"new": 1, "update": 1, "skip": 3, "error": 0}, errors_by_row(preview)
    confirm(client, "season", preview)
    first = Season.objects.get(area_code__code=rows[1][0], crop_year=int(rows[1][crop_year]))
    assert [(d.market.code, d.tonnes) for d in first.declarations.all()] == [("CN", D("300"))]
    added = Season.objects.get(area_code__code=rows[1][0], crop_year=2026)
    assert [(d.market.code, d.tonnes) for d in added.declarations.all()] == [("CN", D("300"))]
    assert Season.objects.filter(capacity.state_q("exceeded"), pk=added.pk).exists()


def test_import_is_all_or_nothing_and_names_the_column(client, world, administrator):
    client.force_login(administrator)
    content = (
        b"growing-area code,crop year,expected output (tonnes),harvest starts,harvest ends,"
        b"declared for export (tonnes per market)\n"
        b"VN-SLOR-0001,2027,100,2027-07-01,2027-08-01,CN: 10\n"
        b"VN-SLOR-0001,2028,100,2028-07-01,2028-06-01,CN: 10\n"
        b"VN-SLOR-0002,2027,100,2027-07-01,2027-08-01,XX: 10\n"
        b"VN-SLOR-0002,2028,100,2028-07-01,2028-08-01,CN ten\n"
    )
    preview = import_file(client, "season", content)
    problems = errors_by_row(preview)
    assert set(problems) == {2, 3, 4}
    assert "harvest_end" in problems[2]
    assert "declarations" in problems[3] and "declarations" in problems[4]
    confirm(client, "season", preview)
    assert not Season.objects.filter(crop_year__gte=2027).exists()
