"""CSV downloads (API, admin, command) and spreadsheet imports (admin)."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse
from rest_framework.test import APIClient

from registry import exports
from registry.models import (
    AreaCode,
    CodeStatus,
    Cooperative,
    Inspection,
    Market,
    PackingHouse,
    Season,
    SeasonMarket,
    VietGAPCertificate,
)
from registry.rules import dates
from registry.rules.tax_codes import tax_code
from registry.tables import AREA_CODES
from tests.api_world import build_world
from tests.factories import AreaCodeFactory, CooperativeFactory, commune, set_status

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def body(response) -> str:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first"
    return raw.decode("utf-8-sig")


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


# --- Downloads through the API ---------------------------------------------------------------


def test_csv_download_has_bom_headers_and_a_meaningful_name(api, world):
    response = api.get(f"{API}/area-codes/", {"market": "AU", "crop": "longan", "format": "csv"})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = dates.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="area-codes_crop-longan_market-AU_{today}.csv"'
    )
    data = rows(response)
    assert [r["code"] for r in data] == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0004"]
    first = data[0]
    assert first["crop"] == "Longan", "an English download names crops in English"
    assert first["commune"] == "Xã Chiềng Khoong"
    assert first["issue date"] == "2025-07-01"
    assert first["active markets"] == "AU; US"
    assert (first["status AU"], first["status US"], first["status CN"]) == ("active", "active", "")


def test_accept_header_selects_csv(world):
    response = APIClient().get(f"{API}/cooperatives/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    text = body(response)
    assert text.splitlines()[0].startswith("mã số thuế,tên,trạng thái")  # Vietnamese by default
    assert "HTX Nhãn Chiềng Khoong" in text


def test_header_language_follows_lang_parameter(world):
    response = APIClient().get(f"{API}/cooperatives/", {"format": "csv", "lang": "en"})
    assert body(response).splitlines()[0].startswith("tax code,name,status")


@pytest.mark.parametrize(
    "params",
    [
        {"market": "US,CN"},
        {"status": "suspended", "market": "CN"},
        {"valid_on": "2025-02-01", "market": "CN"},
        {"province": "14", "crop": "longan"},
        {"q": "chieng khoong"},
        {"kind": "domestic"},
        {"cooperative": tax_code(2), "ordering": "-code"},
    ],
)
def test_csv_honours_every_filter_like_the_json_list(api, world, params):
    listed = [r["code"] for r in api.get(f"{API}/area-codes/", params).json()["results"]]
    downloaded = [
        r["code"] for r in rows(api.get(f"{API}/area-codes/", {**params, "format": "csv"}))
    ]
    assert downloaded == listed


def test_csv_is_not_paginated(api, world):
    for _ in range(60):
        AreaCodeFactory()
    assert len(rows(api.get(f"{API}/area-codes/", {"format": "csv", "limit": "5"}))) == 65


def test_csv_errors_stay_json(api, world):
    response = api.get(f"{API}/area-codes/", {"market": "ZZ", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "market": ["Unknown market: ZZ."],
        "request_id": response["X-Request-ID"],
    }


def test_other_resources_download(api, world):
    certificates = rows(
        api.get(f"{API}/vietgap-certificates/", {"format": "csv", "validity": "expired"})
    )
    assert [(r["certificate number"], r["validity"]) for r in certificates] == [
        ("VG-EXPIRED", "expired")
    ]
    houses = rows(api.get(f"{API}/packing-houses/", {"format": "csv"}))
    assert houses[0]["status CN"] == "active"
    cooperatives = rows(api.get(f"{API}/cooperatives/", {"format": "csv", "has_trademark": "true"}))
    assert [(r["tax code"], r["trademark rights"]) for r in cooperatives] == [
        (tax_code(1), "Nhãn Sơn La")
    ]


def test_formulas_are_neutralised_and_numbers_stay_numbers(api, world):
    cooperative = CooperativeFactory(tax_code=tax_code(77), name='=HYPERLINK("http://x","y")')
    for index, variety in enumerate(["+1 cmd", "-2+3", "@SUM(A1)", "Nhãn"]):
        AreaCodeFactory(
            code=f"VN-SLOR-07{index:02d}",
            cooperative=cooperative,
            variety=variety,
            latitude=Decimal("-1.5"),
            longitude=Decimal("-120.25"),
        )
    data = rows(api.get(f"{API}/area-codes/", {"format": "csv", "cooperative": tax_code(77)}))
    assert {r["cooperative"] for r in data} == {'\'=HYPERLINK("http://x","y")'}
    assert [r["variety"] for r in data] == ["'+1 cmd", "'-2+3", "'@SUM(A1)", "Nhãn"]
    assert {r["latitude"] for r in data} == {"-1.500000"}
    assert {r["longitude"] for r in data} == {"-120.250000"}
    assert {r["area (ha)"] for r in data} == {"15.00"}


def test_escape_cell():
    assert exports.escape_cell("=1+1") == "'=1+1"
    assert exports.escape_cell("-") == "'-"
    assert exports.escape_cell("\tcmd") == "'\tcmd"
    assert exports.escape_cell("\rcmd") == "'\rcmd"
    assert exports.escape_cell("@x") == "'@x"
    assert exports.escape_cell(Decimal("-3.5")) == Decimal("-3.5")
    assert exports.escape_cell(-7) == -7
    assert exports.escape_cell(date(2026, 1, 2)) == "2026-01-02"
    assert exports.escape_cell(None) == ""
    assert exports.escape_cell("Chiềng Khoong") == "Chiềng Khoong"


def test_download_streams_lazily(world):
    for _ in range(30):
        AreaCodeFactory()
    chunks = exports.csv_lines(AREA_CODES, AreaCode.objects.order_by("code"), "en")
    header = next(chunks)
    assert header.startswith("\ufeffcode,kind".encode())
    assert not isinstance(chunks, list | tuple)
    AreaCodeFactory(code="VN-AAOR-0001")  # written after the header left
    first_rows = next(chunks)
    assert first_rows.startswith(b"VN-AAOR-0001,"), "rows are read only as the stream is consumed"


def test_python_writer_reads_rows_from_an_iterator(world, monkeypatch):
    from django.db.models.query import QuerySet

    calls = []
    original = QuerySet.iterator

    def spy(self, *args, **kwargs):
        calls.append(kwargs.get("chunk_size"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    list(exports.python_rows(AREA_CODES, AreaCode.objects.all(), []))
    assert calls == [exports.CHUNK]


def test_every_table_is_compared_copy_against_python():
    from registry.tables import TABLES

    assert set(TABLES) == set(COMPARED_RESOURCES)


COMPARED_RESOURCES = [
    "area-codes",
    "packing-houses",
    "cooperatives",
    "vietgap-certificates",
    "inspections",
    "seasons",
    "packing-house-sources",
    "growers",
]


@pytest.mark.parametrize("resource", COMPARED_RESOURCES)
def test_copy_and_python_writer_write_the_same_bytes(world, resource):
    from registry.tables import TABLES

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    cooperative = CooperativeFactory(
        tax_code=tax_code(88),
        name='=cmd|"/c calc"!A1, "quoted"\nline',
        address="",
        commune=commune("04204"),
    )
    from tests.factories import TrademarkRightFactory

    TrademarkRightFactory(cooperative=cooperative, mark="+Nhãn Sông Mã")
    TrademarkRightFactory(cooperative=cooperative, mark="Nhãn Sơn La")
    code = AreaCodeFactory(
        code="VN-SLOR-0888", cooperative=cooperative, variety="-", latitude=Decimal("-0.5")
    )
    inspect_markets = Inspection.objects.create(
        area_code=code,
        inspected_on=date(2025, 3, 1),
        inspecting_body="=Chi cục",
        kind="periodic",
        result="non_compliant",
        record_number="-12",
    )
    inspect_markets.markets.set(Market.objects.filter(code__in=["CN", "AU"]))
    Inspection.objects.create(
        area_code=code,
        inspected_on=date(2025, 4, 1),
        inspecting_body="",
        kind="video",
        result="compliant",
    )
    flagged = Season.objects.create(
        area_code=code,
        crop_year=2025,
        variety="=HYPERLINK()",
        expected_tonnes=Decimal("12.5"),
        harvest_start=date(2025, 7, 1),
        harvest_end=date(2025, 8, 1),
    )
    for market, tonnes in (("CN", "40"), ("AU", "0.5")):
        SeasonMarket.objects.create(
            season=flagged, market=Market.objects.get(code=market), tonnes=Decimal(tonnes)
        )
    Season.objects.create(
        area_code=code,
        crop_year=2024,
        expected_tonnes=Decimal("1"),
        actual_tonnes=Decimal("0"),
        harvest_start=date(2024, 7, 1),
        harvest_end=date(2024, 8, 1),
    )
    from registry.models import Grower, PackingHouseSource
    from tests.factories import PackingHouseFactory

    PackingHouseSource.objects.create(
        packing_house=PackingHouseFactory(name="=Cơ sở"),
        area_code=code,
        market=Market.objects.get(code="CN"),
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
        registration_number="-GACC 1",
    )
    Grower.objects.create(
        area_code=code, name="@Lò Văn A", plot_area_ha=Decimal("1.25"), phone="+84 1"
    )
    table = TABLES[resource]
    queryset = table.model.objects.order_by("-pk")
    markets = list(Market.objects.all()) if table.per_market else []
    by_copy = b"".join(exports.copy_rows(table, queryset, markets))
    by_python = b"".join(exports.python_rows(table, queryset, markets))
    assert len(list(csv.reader(io.StringIO(by_copy.decode())))) == queryset.count()
    assert by_copy == by_python
    if resource == "inspections":
        assert b",AU; CN," in by_copy and b",'-12," in by_copy
    if resource == "seasons":
        assert b",AU: 0.50; CN: 40.00,exceeded," in by_copy and b"'=HYPERLINK()" in by_copy


# --- Downloads in the admin ------------------------------------------------------------------


def test_admin_download_is_what_the_changelist_shows(admin_client, world):
    for _ in range(60):  # more than one changelist page
        code = AreaCodeFactory(cooperative=world.khoong, commune=commune("04204"))
        set_status(code, CodeStatus.ACTIVE, world.au)
    changelist_url = reverse("admin:registry_areacode_changelist")
    params = {"market": "AU", "q": "chieng khoong", "o": "-1"}
    changelist = admin_client.get(changelist_url, params)
    shown = changelist.context["cl"]
    assert shown.result_count == 61
    assert 'id="download-csv"' in changelist.content.decode()
    response = admin_client.get(reverse("admin:registry_areacode_download"), params)
    codes = [r["mã"] for r in rows(response)]
    assert codes == [c.code for c in shown.queryset]
    assert len(codes) == 61
    assert codes == sorted(codes, reverse=True)


def test_admin_download_selected_action(admin_client, world):
    selected = [world.valid_au_us.pk, world.revoked_us.pk]
    response = admin_client.post(
        reverse("admin:registry_areacode_changelist"),
        {"action": "download_selected_csv", "_selected_action": selected},
    )
    assert [r["mã"] for r in rows(response)] == ["VN-SLOR-0001", "VN-SLOR-0003"]


def test_staff_may_download_but_not_import(client, staff, world):
    client.force_login(staff)
    response = client.get(reverse("admin:registry_cooperative_download"))
    assert len(rows(response)) == 3
    page = client.get(reverse("admin:registry_cooperative_changelist")).content.decode()
    assert "import_link" not in page
    assert client.get(reverse("admin:registry_cooperative_import")).status_code == 403


# --- Export command --------------------------------------------------------------------------


def test_export_command_writes_the_same_filtered_file(tmp_path, world, api):
    output = tmp_path / "au.csv"
    call_command(
        "export_csv",
        "area-codes",
        "--market",
        "AU",
        "--crop",
        "longan",
        "--lang",
        "en",
        "--output",
        str(output),
    )
    raw = output.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    written = [r["code"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))]
    listed = [
        r["code"]
        for r in api.get(f"{API}/area-codes/", {"market": "AU", "crop": "longan"}).json()["results"]
    ]
    assert written == listed


def test_export_command_refuses_bad_filters(world):
    with pytest.raises(CommandError, match="market"):
        call_command("export_csv", "area-codes", "--market", "ZZ")
    with pytest.raises(CommandError, match="does not apply"):
        call_command("export_csv", "cooperatives", "--crop", "longan")


# --- Imports ---------------------------------------------------------------------------------


def import_file(client, model_name, content: bytes, name="rows.csv", file_format="0"):
    """Upload a file; the answer is the import job's page (the preview), followed."""
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        reverse(f"admin:registry_{model_name}_import"),
        {"resource": "0", "format": file_format, "import_file": upload},
        follow=True,
    )


def confirm(client, model_name, preview):
    job = preview.context["job"]
    return client.post(reverse(f"admin:registry_{model_name}_process_import"), {"job": job.pk})


def counts(preview) -> dict:
    return preview.context["counts"]


def errors_by_row(preview) -> dict:
    """{row: {column key: [messages]}} of the preview's errors."""
    found = {}
    for problem in preview.context["job"].summary["problems"]:
        found.setdefault(problem["row"], {}).setdefault(problem["field"], []).append(
            problem["message"]
        )
    return found


COOPERATIVES_CSV = (
    "mã số thuế,tên,trạng thái,mã xã,địa chỉ\n"
    f"{tax_code(101)},HTX Nhãn Mới,active,04204,Bản Cát\n"
    f"{tax_code(1)},HTX Nhãn Chiềng Khoong (đổi tên),active,04204,\n"
)


def test_import_preview_then_confirm(admin_client, world):
    preview = import_file(
        admin_client, "cooperative", COOPERATIVES_CSV.replace("mã xã", "commune code").encode()
    )
    assert preview.status_code == 200
    assert counts(preview) == {"new": 1, "update": 1, "skip": 0, "error": 0}
    assert not Cooperative.objects.filter(tax_code=tax_code(101)).exists(), (
        "preview changes nothing"
    )
    done = confirm(admin_client, "cooperative", preview)
    assert done.status_code == 302
    assert Cooperative.objects.get(tax_code=tax_code(101)).commune_id == "04204"
    renamed = Cooperative.objects.get(tax_code=tax_code(1))
    assert renamed.name == "HTX Nhãn Chiềng Khoong (đổi tên)"
    latest = renamed.history.latest()
    assert latest.history_change_reason == "Spreadsheet import"
    assert latest.history_user.username == "admin"


def test_a_bad_row_means_nothing_is_applied(admin_client, world):
    content = (
        "tax code,name,status,commune code\n"
        f"{tax_code(201)},HTX Một,active,04204\n"
        "12-34,HTX Hai,active,04204\n"
        f"{tax_code(203)},HTX Ba,active,99999\n"
    )
    preview = import_file(admin_client, "cooperative", content.encode())
    assert counts(preview)["error"] == 2
    invalid = errors_by_row(preview)
    assert set(invalid) == {2, 3}
    assert "tax_code" in invalid[2]
    assert "commune" in invalid[3] and "99999" in str(invalid[3]["commune"])
    assert not preview.context["confirmable"]
    assert 'id="import-confirm"' not in preview.content.decode()
    assert not Cooperative.objects.filter(tax_code=tax_code(201)).exists()


def test_semicolon_csv_and_natural_keys(admin_client, world):
    content = (
        "code;kind;crop;cooperative;certificate;area (ha);commune code;issue date\n"
        f"vn-slor-0200;export;nhan;{tax_code(1)};VG-VALID;12,5;Chiềng Khoong;2026-02-01\n"
    ).replace("12,5", "12.5")
    preview = import_file(admin_client, "areacode", content.encode("utf-8-sig"))
    assert not errors_by_row(preview)
    confirm(admin_client, "areacode", preview)
    code = AreaCode.objects.get(code="VN-SLOR-0200")
    assert (code.crop.slug, code.cooperative.tax_code, code.certificate.number) == (
        "longan",
        tax_code(1),
        "VG-VALID",
    )
    assert code.commune_id == "04204"


def test_unknown_natural_keys_are_row_errors(admin_client, world):
    content = (
        "code,crop,cooperative,area (ha),commune code,issue date\n"
        f"VN-SLOR-0300,durian,{tax_code(1)},10,04204,2026-01-01\n"
    )
    [row] = errors_by_row(import_file(admin_client, "areacode", content.encode())).values()
    assert "durian" in str(row["crop"])


def test_xlsx_import_keeps_vietnamese(admin_client, world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["tax code", "name", "status", "commune code", "representative"])
    sheet.append([tax_code(401), "HTX Chiềng Khương Xanh", "active", "04222", "Lường Thị Hoa"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = import_file(
        admin_client, "cooperative", buffer.getvalue(), "rows.xlsx", file_format="1"
    )
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 0}
    confirm(admin_client, "cooperative", preview)
    saved = Cooperative.objects.get(tax_code=tax_code(401))
    assert (saved.name, saved.representative) == ("HTX Chiềng Khương Xanh", "Lường Thị Hoa")


@pytest.mark.parametrize(
    ("model_name", "model", "url"),
    [
        ("areacode", AreaCode, "area-codes"),
        ("packinghouse", PackingHouse, "packing-houses"),
        ("cooperative", Cooperative, "cooperatives"),
        ("vietgapcertificate", VietGAPCertificate, "vietgap-certificates"),
    ],
)
def test_round_trip_changes_nothing(admin_client, world, api, model_name, model, url):
    exported = b"".join(APIClient().get(f"{API}/{url}/", {"format": "csv"}).streaming_content)
    history_before = model.history.count()
    preview = import_file(admin_client, model_name, exported)
    assert not errors_by_row(preview)
    assert counts(preview)["skip"] == model.objects.count()
    assert counts(preview)["new"] == counts(preview)["update"] == 0
    confirm(admin_client, model_name, preview)
    assert model.history.count() == history_before
    again = b"".join(APIClient().get(f"{API}/{url}/", {"format": "csv"}).streaming_content)
    assert again == exported  # nothing saved, so not even "updated at" moved


def test_round_trip_through_python_csv_module(world):
    encoded = b"".join(exports.csv_lines(AREA_CODES, AreaCode.objects.all(), "vi"))
    decoded = list(csv.reader(io.StringIO(encoded.decode("utf-8-sig"))))
    assert decoded[0][0] == "mã"
    assert any("Xã Chiềng Khoong" in row for row in decoded[1:])


def test_import_changes_statuses_through_the_rules(admin_client, world):
    content = "code,status AU,status CN\nVN-SLOR-0002,suspended,suspended\n"
    preview = import_file(admin_client, "areacode", content.encode())
    assert counts(preview) == {"new": 0, "update": 1, "skip": 0, "error": 0}
    confirm(admin_client, "areacode", preview)
    code = AreaCode.objects.get(code="VN-SLOR-0002")
    assert code.market_statuses.get(market__code="AU").status == "suspended"
    change = code.status_changes.last()
    assert (change.reason, change.recorded_by.username) == ("Spreadsheet import", "admin")


def test_import_refuses_impossible_status_changes(admin_client, world):
    content = "code,status US\nVN-SLOR-0003,active\n"  # revoked is final
    [row] = errors_by_row(import_file(admin_client, "areacode", content.encode())).values()
    assert "final" in str(row["status_US"]) or "vĩnh viễn" in str(row["status_US"])


def test_data_entry_may_not_change_statuses_by_import(client, data_entry, world):
    client.force_login(data_entry)
    content = "code,status AU\nVN-SLOR-0002,suspended\n"
    assert counts(import_file(client, "areacode", content.encode()))["error"] == 1
    assert (
        AreaCode.objects.get(code="VN-SLOR-0002").market_statuses.get(market__code="AU").status
        == "active"
    )


@pytest.mark.parametrize(
    "model_name", ["areacode", "packinghouse", "cooperative", "vietgapcertificate"]
)
def test_sample_files_are_offered_on_the_import_page(admin_client, world, model_name):
    page = admin_client.get(reverse(f"admin:registry_{model_name}_import"))
    assert 'id="import-sample"' in page.content.decode()
    sample = admin_client.get(reverse(f"admin:registry_{model_name}_import_sample"))
    assert sample.status_code == 200
    assert sample.content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(sample.content.decode("utf-8-sig"))))) == 2


def test_the_sample_files_import_cleanly(admin_client, world):
    for model_name in ("cooperative", "vietgapcertificate", "areacode", "packinghouse"):
        sample = admin_client.get(reverse(f"admin:registry_{model_name}_import_sample")).content
        preview = import_file(admin_client, model_name, sample)
        assert not errors_by_row(preview), model_name
        confirm(admin_client, model_name, preview)
    code = AreaCode.objects.get(code="VN-SLOR-0999")
    assert code.market_statuses.get().market.code == "AU"


def test_neutralised_cells_import_back_as_they_were(admin_client, world):
    cooperative = CooperativeFactory(tax_code=tax_code(78), name="=HTX(1)")
    varieties = ["=1+2", "'=x", "'abc", "-5 trái", "''@y", "Nhãn"]
    for index, variety in enumerate(varieties):
        AreaCodeFactory(code=f"VN-SLOR-08{index:02d}", cooperative=cooperative, variety=variety)
    url = f"{API}/area-codes/"
    exported = b"".join(
        APIClient().get(url, {"format": "csv", "cooperative": tax_code(78)}).streaming_content
    )
    assert "'=1+2" in exported.decode("utf-8-sig"), "the download neutralises it"
    preview = import_file(admin_client, "areacode", exported)
    assert counts(preview) == {"new": 0, "update": 0, "skip": 6, "error": 0}, "nothing changed"
    confirm(admin_client, "areacode", preview)
    stored = AreaCode.objects.filter(cooperative=cooperative).order_by("code")
    assert [code.variety for code in stored] == varieties


def as_a_spreadsheet_program_saves_it(csv_bytes: bytes, change=None) -> bytes:
    """What Excel or LibreOffice write when they open a downloaded CSV and save it as XLSX:
    cells that look like numbers become numbers (``04204`` → 4204, ``6.50`` → 6.5), empty
    cells become blank. ``change`` = (row, column, value) edits one cell on the way."""
    from decimal import InvalidOperation

    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    if change:
        row, column, value = change
        rows[row][rows[0].index(column)] = value
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    for row in rows[1:]:
        cells = []
        for cell in row:
            try:
                number = Decimal(cell)
            except InvalidOperation:
                cells.append(cell or None)
                continue
            cells.append(int(number) if "." not in cell else float(number))
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("model_name", "model", "url"),
    [
        ("areacode", AreaCode, "area-codes"),
        ("packinghouse", PackingHouse, "packing-houses"),
        ("cooperative", Cooperative, "cooperatives"),
        ("vietgapcertificate", VietGAPCertificate, "vietgap-certificates"),
    ],
)
def test_xlsx_saved_by_a_spreadsheet_program_changes_nothing(
    admin_client, world, model_name, model, url
):
    exported = b"".join(APIClient().get(f"{API}/{url}/", {"format": "csv"}).streaming_content)
    history_before = model.history.count()
    workbook = as_a_spreadsheet_program_saves_it(exported)
    preview = import_file(admin_client, model_name, workbook, "rows.xlsx", file_format="1")
    assert not errors_by_row(preview)
    assert counts(preview)["skip"] == model.objects.count()
    assert counts(preview)["new"] == counts(preview)["update"] == 0
    confirm(admin_client, model_name, preview)
    assert model.history.count() == history_before, "no history entry for untouched rows"


def test_one_changed_cell_in_a_spreadsheet_updates_one_row(admin_client, world):
    exported = b"".join(APIClient().get(f"{API}/area-codes/", {"format": "csv"}).streaming_content)
    header = next(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    variety = header[[str(c.key) for c in AREA_CODES.columns].index("variety")]
    workbook = as_a_spreadsheet_program_saves_it(exported, change=(1, variety, "Hương Chi mới"))
    preview = import_file(admin_client, "areacode", workbook, "rows.xlsx", file_format="1")
    assert counts(preview) == {
        "new": 0,
        "update": 1,
        "skip": AreaCode.objects.count() - 1,
        "error": 0,
    }
    [change] = preview.context["changes_page"]
    assert change["type"] == "update" and change["cells"][0][1:] == [
        AreaCode.objects.get(code=change["key"]).variety,
        "Hương Chi mới",
    ]
    history_before = AreaCode.history.count()
    confirm(admin_client, "areacode", preview)
    assert AreaCode.history.count() == history_before + 1
    assert AreaCode.objects.filter(variety="Hương Chi mới").count() == 1


@pytest.mark.parametrize(
    "model_name", ["cooperative", "vietgapcertificate", "areacode", "packinghouse"]
)
def test_the_sample_file_imports_cleanly_into_the_sample_data(admin_client, model_name):
    call_command("load_sample_data", verbosity=0)
    sample = admin_client.get(reverse(f"admin:registry_{model_name}_import_sample"))
    assert sample.status_code == 200
    preview = import_file(admin_client, model_name, sample.content)
    assert not errors_by_row(preview)
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 0}


@pytest.mark.django_db
def test_a_header_that_is_one_columns_key_and_anothers_label_follows_its_row():
    """The header "commune" is the commune code's key and the commune name's English
    label: in an English download (beside "commune code") it is the name; in a file written
    with keys, the code."""
    from registry.imports import AreaCodeResource, CooperativeResource

    codes = AreaCodeResource()
    assert codes.header_keys(["code", "commune code", "commune", "tax code", "cooperative"]) == [
        "code",
        "commune",
        "commune_name",
        "cooperative",
        "cooperative_name",
    ]
    assert codes.header_keys(["code", "commune", "cooperative"]) == [
        "code",
        "commune",
        "cooperative",
    ]
    assert CooperativeResource().header_keys(["commune code", "commune", "tax_code"]) == [
        "commune",
        "commune_name",
        "tax_code",
    ]


def test_english_downloads_of_every_resource_import_back_unchanged(world, admin_client):
    """Headers, choices and crop names in English: each download imports back with no error
    and no change."""
    english = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    for resource, model_name in (
        ("area-codes", "areacode"),
        ("cooperatives", "cooperative"),
        ("packing-houses", "packinghouse"),
        ("vietgap-certificates", "vietgapcertificate"),
    ):
        download = english.get(f"/api/v1/{resource}/?format=csv")
        upload = io.BytesIO(b"".join(download.streaming_content))
        upload.name = f"{resource}.csv"
        preview = admin_client.post(
            reverse(f"admin:registry_{model_name}_import"),
            {"resource": "0", "format": "0", "import_file": upload},
            follow=True,
        )
        counts = preview.context["counts"]
        assert counts["error"] == counts["new"] == counts["update"] == 0, (resource, counts)
        assert counts["skip"] > 0, (resource, counts)
