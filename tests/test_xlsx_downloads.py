"""XLSX downloads (API ``?format=xlsx``, admin link and action, ``export_csv --format xlsx``):
the CSV's rows as typed cells. Each workbook is read back with openpyxl and compared, cell by
cell, with the CSV of the same request; on PostgreSQL that CSV is written by COPY, so the two
come from independent paths."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from registry import exports, xlsx_exports
from registry.models import AreaCode, CodeStatus, Cooperative, PackingHouse, VietGAPCertificate
from registry.rules.tax_codes import tax_code
from registry.tables import AREA_CODES
from tests.api_world import build_world
from tests.factories import AreaCodeFactory, CooperativeFactory, commune, set_status

pytestmark = pytest.mark.django_db
API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def content(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def workbook(raw: bytes):
    return openpyxl.load_workbook(io.BytesIO(raw)).active


def values(raw: bytes) -> list[list]:
    return [[cell.value for cell in row] for row in workbook(raw).iter_rows()]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))


def as_csv_cell(value) -> str:
    """How the CSV writes the value an XLSX cell holds: the oracle for the comparison."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return exports.escape_cell(value)


def same_cell(csv_cell: str, xlsx_value) -> bool:
    if isinstance(xlsx_value, int | float):
        return Decimal(csv_cell) == Decimal(repr(xlsx_value))
    return csv_cell == as_csv_cell(xlsx_value)


DOWNLOADS = [
    ("area-codes", {"market": "AU"}),
    ("area-codes", {"crop": "longan", "ordering": "-code"}),
    ("packing-houses", {}),
    ("cooperatives", {"province": "14"}),
    ("vietgap-certificates", {"validity": "expired"}),
]


@pytest.mark.parametrize(("resource", "params"), DOWNLOADS)
def test_xlsx_holds_the_csv_header_and_rows(api, world, resource, params):
    expected = csv_rows(api.get(f"{API}/{resource}/", {**params, "format": "csv"}))
    got = values(content(api.get(f"{API}/{resource}/", {**params, "format": "xlsx"})))
    assert got[0] == expected[0], "same header"
    assert len(got) == len(expected) > 1
    for csv_row, xlsx_row in zip(expected[1:], got[1:], strict=True):
        assert len(xlsx_row) == len(csv_row)
        wrong = [
            (header, c, x)
            for header, c, x in zip(expected[0], csv_row, xlsx_row, strict=True)
            if not same_cell(c, x)
        ]
        assert not wrong, wrong


def test_response_is_a_named_xlsx_attachment(api, world):
    response = api.get(f"{API}/area-codes/", {"format": "xlsx", "market": "AU", "crop": "longan"})
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert 'filename="area-codes_crop-longan_market-AU_' in disposition
    assert disposition.endswith('.xlsx"')
    assert content(response).startswith(b"PK"), "a zip"


def test_accept_header_selects_xlsx(world):
    response = APIClient().get(f"{API}/cooperatives/", HTTP_ACCEPT=XLSX)
    assert response["Content-Type"] == XLSX
    assert values(content(response))[0][0] == "mã số thuế"


def test_header_language_follows_lang(world):
    response = APIClient().get(f"{API}/area-codes/", {"format": "xlsx", "lang": "en"})
    assert values(content(response))[0][:2] == ["code", "kind"]


def test_cells_are_typed(api, world):
    sheet = workbook(content(api.get(f"{API}/area-codes/", {"format": "xlsx"})))
    header = [cell.value for cell in sheet[1]]
    by_code = {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2)}
    row = by_code["VN-SLOR-0002"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    commune_code = row["commune code"]
    assert (commune_code.value, commune_code.data_type) == ("04183", "s")
    assert commune_code.number_format == "@"
    tax_code_cell = row["tax code"]
    cell = (tax_code_cell.value, tax_code_cell.data_type, tax_code_cell.number_format)
    assert cell == (tax_code(2), "s", "@")
    assert (row["code"].data_type, row["code"].number_format) == ("s", "@")
    issued = by_code["VN-SLOR-0001"]["issue date"]
    assert issued.is_date and issued.value == datetime(2025, 7, 1)
    assert issued.number_format == "yyyy-mm-dd"
    updated = row["updated at"]
    assert updated.is_date and updated.number_format == "yyyy-mm-dd hh:mm:ss"
    area = row["area (ha)"]
    assert area.data_type == "n" and area.value == 15.0 and area.number_format == "0.00"
    assert row["latitude"].data_type == "n"
    assert row["status CN"].value == "suspended"
    assert row["status US"].value is None, "no status is an empty cell"


def test_text_that_looks_like_a_formula_is_text(api, world):
    cooperative = CooperativeFactory(tax_code=tax_code(77), name='=HYPERLINK("http://x","y")')
    varieties = ["=1+2", "+1 cmd", "-2+3", "@SUM(A1)", "'=x", "'abc", "Nhãn"]
    for index, variety in enumerate(varieties):
        AreaCodeFactory(code=f"VN-SLOR-07{index:02d}", cooperative=cooperative, variety=variety)
    raw = content(api.get(f"{API}/area-codes/", {"format": "xlsx", "cooperative": tax_code(77)}))
    sheet = workbook(raw)
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2)]
    assert [row["variety"].value for row in rows] == [
        "=1+2",
        "+1 cmd",
        "-2+3",
        "@SUM(A1)",
        "''=x",  # the import removes one "'" before a formula character
        "'abc",
        "Nhãn",
    ]
    assert {row["variety"].data_type for row in rows} == {"s"}, "no formula cell"
    assert {row["cooperative"].value for row in rows} == {'=HYPERLINK("http://x","y")'}
    assert b"<f>" not in zipped_sheet(raw), "no formula in the file at all"


def zipped_sheet(raw: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        name = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
        return archive.read(name)


def test_control_characters_do_not_break_the_file(api, world):
    AreaCodeFactory(code="VN-SLOR-0901", variety="Nhãn\x07 lồng")
    raw = content(api.get(f"{API}/area-codes/", {"format": "xlsx", "q": "VN-SLOR-0901"}))
    variety = [column.key for column in AREA_CODES.columns].index("variety")
    assert values(raw)[1][variety] == "Nhãn\ufffd lồng"


@pytest.mark.parametrize(
    ("model_name", "model", "url"),
    [
        ("areacode", AreaCode, "area-codes"),
        ("packinghouse", PackingHouse, "packing-houses"),
        ("cooperative", Cooperative, "cooperatives"),
        ("vietgapcertificate", VietGAPCertificate, "vietgap-certificates"),
    ],
)
def test_downloaded_xlsx_imports_back_unchanged(admin_client, world, model_name, model, url):
    cooperative = CooperativeFactory(tax_code=tax_code(78), name="=HTX(1)")
    for index, variety in enumerate(["=1+2", "'=x", "'abc", "''@y"]):
        AreaCodeFactory(code=f"VN-SLOR-08{index:02d}", cooperative=cooperative, variety=variety)
    exported = content(APIClient().get(f"{API}/{url}/", {"format": "xlsx"}))
    history_before = model.history.count()
    preview = import_xlsx(admin_client, model_name, exported)
    counts = preview.context["counts"]
    job = preview.context["job"]
    assert job.state == "previewed", (job.state, job.message)
    assert counts["error"] == 0, preview.context["job"].summary["problems"]
    assert counts["skip"] > 0 and counts["new"] == counts["update"] == 0, counts
    job = preview.context["job"]
    done = admin_client.post(
        reverse(f"admin:registry_{model_name}_process_import"), {"job": job.pk}
    )
    assert done.status_code == 302
    assert model.history.count() == history_before
    stored = AreaCode.objects.filter(cooperative=cooperative).order_by("code")
    assert [code.variety for code in stored] == ["=1+2", "'=x", "'abc", "''@y"]


def import_xlsx(client, model_name, raw: bytes):
    upload = io.BytesIO(raw)
    upload.name = "rows.xlsx"
    return client.post(
        reverse(f"admin:registry_{model_name}_import"),
        {"resource": "0", "format": "1", "import_file": upload},
        follow=True,
    )


def test_errors_stay_json(api, world):
    response = api.get(f"{API}/area-codes/", {"format": "xlsx", "market": "ZZ"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "market" in response.json()
    detail = api.get(f"{API}/area-codes/VN-SLOR-0001/", {"format": "xlsx"})
    assert detail.status_code == 406 and "detail" in detail.json()
    unknown = api.get(f"{API}/area-codes/", {"format": "ods"})
    assert unknown.status_code == 406 and "detail" in unknown.json()


def test_schema_offers_xlsx_like_csv(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("area-codes", "packing-houses", "cooperatives", "vietgap-certificates"):
        operation = schema["paths"][f"/api/v1/{path}/"]["get"]
        formats = next(p for p in operation["parameters"] if p["name"] == "format")
        assert {"csv", "xlsx"} <= set(formats["schema"]["enum"])
        assert {"text/csv", XLSX} <= set(operation["responses"]["200"]["content"])
    offered = [
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if XLSX in operation.get("responses", {}).get("200", {}).get("content", {})
    ]
    assert sorted(offered) == [
        f"/api/v1/{path}/"
        for path in (
            "area-codes",
            "cooperatives",
            "growers",
            "inspections",
            "packing-house-sources",
            "packing-houses",
            "seasons",
            "vietgap-certificates",
        )
    ], "lists only"


def test_rows_are_read_in_chunks_from_an_iterator(world, monkeypatch):
    from django.db.models.query import QuerySet

    calls = []
    original = QuerySet.iterator

    def spy(self, *args, **kwargs):
        calls.append(kwargs.get("chunk_size"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    count = xlsx_exports.write_workbook(AREA_CODES, AreaCode.objects.all(), io.BytesIO())
    assert calls == [exports.CHUNK]
    assert count == AreaCode.objects.count()


# --- Admin -------------------------------------------------------------------------------------


def test_admin_xlsx_link_downloads_what_the_changelist_shows(admin_client, world):
    for _ in range(60):  # more than one changelist page
        code = AreaCodeFactory(cooperative=world.khoong, commune=commune("04204"))
        set_status(code, CodeStatus.ACTIVE, world.au)
    params = {"market": "AU", "q": "chieng khoong", "o": "-1"}
    changelist = admin_client.get(reverse("admin:registry_areacode_changelist"), params)
    shown = changelist.context["cl"]
    assert shown.result_count == 61
    page = changelist.content.decode()
    url = reverse("admin:registry_areacode_download_xlsx")
    assert 'id="download-xlsx"' in page and f'href="{url}?' in page
    response = admin_client.get(url, params)
    assert response["Content-Type"] == XLSX
    assert 'filename="area-codes_market-AU_q-chiengkhoong_' in response["Content-Disposition"]
    codes = [row[0] for row in values(content(response))[1:]]
    assert codes == [c.code for c in shown.queryset]
    assert len(codes) == 61 and codes == sorted(codes, reverse=True)


def test_admin_xlsx_refuses_unknown_filters(admin_client, world):
    response = admin_client.get(
        reverse("admin:registry_areacode_download_xlsx"), {"no_such_field": "x"}
    )
    assert response.status_code in (400, 302)


def test_admin_download_selected_as_xlsx(admin_client, world):
    selected = [world.valid_au_us.pk, world.revoked_us.pk]
    response = admin_client.post(
        reverse("admin:registry_areacode_changelist"),
        {"action": "download_selected_xlsx", "_selected_action": selected},
    )
    assert [row[0] for row in values(content(response))[1:]] == ["VN-SLOR-0001", "VN-SLOR-0003"]


def test_staff_may_download_xlsx(client, staff, world):
    client.force_login(staff)
    response = client.get(reverse("admin:registry_cooperative_download_xlsx"))
    assert len(values(content(response))) == 1 + 3


# --- Export command ----------------------------------------------------------------------------


def test_export_command_writes_xlsx(tmp_path, world, api):
    output = tmp_path / "au.xlsx"
    call_command(
        "export_csv", "area-codes", "--market", "AU", "--lang", "en", "--output", str(output)
    )
    rows = values(output.read_bytes())
    listed = [r["code"] for r in api.get(f"{API}/area-codes/", {"market": "AU"}).json()["results"]]
    assert rows[0][0] == "code"
    assert [row[0] for row in rows[1:]] == listed
    from_api = values(content(api.get(f"{API}/area-codes/", {"market": "AU", "format": "xlsx"})))
    assert rows == from_api


def test_export_command_writes_xlsx_to_standard_output(world, capsysbinary):
    call_command("export_csv", "cooperatives", "--format", "xlsx")
    raw = capsysbinary.readouterr().out
    assert [row[0] for row in values(raw)] == [
        "mã số thuế",
        tax_code(3, office="01"),
        tax_code(1),
        tax_code(2),
    ]


def test_export_command_still_writes_csv_by_default(tmp_path, world):
    output = tmp_path / "cooperatives.txt"
    call_command("export_csv", "cooperatives", "--output", str(output))
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")
    sample = tmp_path / "cooperatives.xlsx"
    call_command("export_csv", "cooperatives", "--format", "csv", "--output", str(sample))
    assert sample.read_bytes().startswith(b"\xef\xbb\xbf")


def test_date_cells_are_local_dates(api, world):
    sheet = values(content(api.get(f"{API}/vietgap-certificates/", {"format": "xlsx"})))
    header = sheet[0]
    rows = [dict(zip(header, row, strict=True)) for row in sheet[1:]]
    expired = next(row for row in rows if row["certificate number"] == "VG-EXPIRED")
    assert expired["expiry date"] == datetime.combine(date(2025, 1, 1), datetime.min.time())
    assert expired["revoked on"] is None
