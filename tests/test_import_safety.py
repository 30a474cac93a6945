"""Imports that cannot hurt (issue 10): confirmation is all-or-nothing against the database as
it is then, uploads are bounded (size, unpacked size, rows) with messages in the form, and
previewed files do not outlive their use."""

import io
import os
import time
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from registry import imports
from registry.models import AreaCode, CodeStatus, Cooperative
from registry.rules import dates
from registry.rules.tax_codes import tax_code
from tests.api_world import build_world
from tests.factories import set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def admin_client(admin_client):
    """The messages are checked in the English of the source."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Each test has its own directory of previewed files."""
    directory = tmp_path / "uploads"
    settings.IMPORT_TMP_DIR = str(directory)
    return directory


def stored(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def import_url(model_name="cooperative"):
    return reverse(f"admin:registry_{model_name}_import")


def upload(client, content: bytes, name="rows.csv", model_name="cooperative"):
    file = io.BytesIO(content)
    file.name = name
    file_format = "1" if name.endswith(".xlsx") else "0"
    return client.post(
        import_url(model_name),
        {"resource": "0", "format": file_format, "import_file": file},
        follow=True,
    )


def confirm(client, preview, model_name="cooperative", **changes):
    data = {"job": preview.context["job"].pk, **changes}
    return client.post(reverse(f"admin:registry_{model_name}_process_import"), data)


def form_errors(response) -> list[str]:
    return response.context["form"].errors.get("import_file", [])


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statuses(code: str) -> dict[str, str]:
    found = AreaCode.objects.get(code=code).market_statuses.select_related("market")
    return {s.market.code: s.status for s in found}


# --- Confirmation is all-or-nothing ----------------------------------------------------------

THREE_SUSPENSIONS = (
    "code,variety,status AU\n"
    "VN-SLOR-0001,Nhãn muộn 2,suspended\n"
    "VN-SLOR-0002,Nhãn muộn 2,suspended\n"
    "VN-SLOR-0004,Nhãn muộn 2,suspended\n"
)


def test_a_row_invalid_at_confirmation_means_nothing_is_written(admin_client, world, upload_dir):
    page = admin_client.get(import_url("areacode"))
    assert page.status_code == 200
    assert 'id="import-limits"' in page.content.decode()
    preview = upload(admin_client, THREE_SUSPENSIONS.encode(), model_name="areacode")
    assert preview.context["counts"] == {"new": 0, "update": 3, "skip": 0, "error": 0}
    varieties = dict(AreaCode.objects.values_list("code", "variety"))
    history = {code: AreaCode.objects.get(code=code).status_changes.count() for code in varieties}

    # Meanwhile, another administrator revokes VN-SLOR-0002 for Australia: revoked is final.
    set_status(world.suspended_cn, CodeStatus.REVOKED, world.au, on=dates.today())
    history["VN-SLOR-0002"] += 1

    done = confirm(admin_client, preview, "areacode")
    job = preview.context["job"]
    assert done.status_code == 302, "to the job's page, which shows the errors"
    done = admin_client.get(done["Location"])
    assert done.context["job"] == job
    page = done.content.decode()
    assert 'id="import-refused"' in page and 'id="import-problems"' in page
    [problem] = done.context["problems_page"]
    assert (problem["row"], problem["field"], problem["column"], problem["value"]) == (
        2,
        "status_AU",
        "status AU",
        "suspended",
    )
    assert problem["message"] and problem["message"] in page
    job.refresh_from_db()
    assert job.state == "failed" and job.message.startswith("Nothing was imported")
    assert job.message in page
    assert not done.context["confirmable"] and 'id="import-again"' in page

    assert statuses("VN-SLOR-0001") == {"AU": "active", "US": "active"}
    assert statuses("VN-SLOR-0004") == {"AU": "active"}
    assert statuses("VN-SLOR-0002") == {"AU": "revoked", "CN": "suspended"}
    assert dict(AreaCode.objects.values_list("code", "variety")) == varieties
    assert {
        code: AreaCode.objects.get(code=code).status_changes.count() for code in varieties
    } == history
    assert stored(upload_dir) == [], "the refused file is deleted"


def test_a_clean_confirmation_applies_every_row(admin_client, world, upload_dir):
    preview = upload(admin_client, THREE_SUSPENSIONS.encode(), model_name="areacode")
    assert len(stored(upload_dir)) == 1, "the preview keeps the file for its confirmation"
    done = confirm(admin_client, preview, "areacode")
    assert done.status_code == 302
    for code in ("VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0004"):
        assert statuses(code)["AU"] == "suspended"
        assert AreaCode.objects.get(code=code).variety == "Nhãn muộn 2"
    assert stored(upload_dir) == [], "confirming deletes the file"


def test_confirming_twice_or_a_forged_name_imports_nothing(admin_client, world, upload_dir):
    content = f"tax code,name,status,commune code\n{tax_code(501)},HTX Mot,active,04204\n".encode()
    preview = upload(admin_client, content)
    assert confirm(admin_client, preview).status_code == 302
    Cooperative.objects.filter(tax_code=tax_code(501)).update(name="Renamed since")
    again = confirm(admin_client, preview)
    assert again.status_code == 302 and again["Location"] == import_url()
    messages = [str(m) for m in admin_client.get(import_url()).context["messages"]]
    assert any("expired or was already imported" in m for m in messages)
    assert Cooperative.objects.get(tax_code=tax_code(501)).name == "Renamed since"
    assert confirm(admin_client, preview, job="../../etc/passwd").status_code == 400
    assert confirm(admin_client, preview, job="999999").status_code == 404


def test_two_confirmations_of_one_preview_import_it_once(admin_client, world, upload_dir):
    content = f"tax code,name,status,commune code\n{tax_code(511)},HTX Mot,active,04204\n".encode()
    preview = upload(admin_client, content)
    name = preview.context["job"].file_name
    imports.UploadStorage(name=name, read_mode="rb").claim()  # a confirmation in progress
    late = confirm(admin_client, preview)
    assert late.status_code == 302 and late["Location"] == import_url()
    assert not Cooperative.objects.filter(tax_code=tax_code(511)).exists()
    assert stored(upload_dir) == [f"{name}.claimed"]
    call_command("expire_import_files", "--older-than-hours", "0", stdout=io.StringIO())
    assert stored(upload_dir) == [], "a claimed file left by a crash expires too"


def test_a_confirmation_claims_the_file_before_reading_it(
    admin_client, world, upload_dir, monkeypatch
):
    preview = upload(
        admin_client,
        f"tax code,name,status,commune code\n{tax_code(531)},H,active,04204\n".encode(),
    )
    name = preview.context["job"].file_name
    first, second = (imports.UploadStorage(name=name, read_mode="rb") for _ in range(2))
    first.claim()
    with pytest.raises(imports.UploadExpired):
        second.claim()
    assert first.read().startswith(b"tax code")
    first.path().rename(upload_dir / name)  # put it back unclaimed

    reads = []
    original = imports.UploadStorage.read

    def spy(storage):
        reads.append(storage.claimed)
        return original(storage)

    monkeypatch.setattr(imports.UploadStorage, "read", spy)
    assert confirm(admin_client, preview).status_code == 302
    assert reads == [True]
    assert Cooperative.objects.filter(tax_code=tax_code(531)).exists()


def test_another_users_import_cannot_be_seen_or_confirmed(admin_client, world, client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    preview = upload(
        admin_client,
        f"tax code,name,status,commune code\n{tax_code(521)},H,active,04204\n".encode(),
    )
    other = get_user_model().objects.create_user("other-admin", is_staff=True)
    other.user_permissions.add(*Permission.objects.all())
    client.force_login(other)
    job = preview.context["job"]
    page = reverse("admin:registry_cooperative_import_job", args=[job.pk])
    assert client.get(page).status_code == 403
    assert confirm(client, preview).status_code == 403
    assert not Cooperative.objects.filter(tax_code=tax_code(521)).exists()


# --- Limits ------------------------------------------------------------------------------------


def test_settings_have_sensible_defaults():
    from config import settings as project

    assert project.IMPORT_MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    assert project.IMPORT_MAX_UNCOMPRESSED_BYTES == 100 * 1024 * 1024
    assert project.IMPORT_MAX_ROWS == 100_000
    assert project.IMPORT_FILE_MAX_AGE_HOURS == 24


def test_an_oversized_upload_is_refused_before_it_is_stored(admin_client, world, upload_dir):
    before = Cooperative.objects.count()
    header = b"tax code,name,status,commune code\n"
    row = f"{tax_code(601)},HTX Lon,active,04204\n".encode()
    content = header + row * (10 * 1024 * 1024 // len(row) + 1)
    assert len(content) > 10 * 1024 * 1024
    response = upload(admin_client, content)
    assert response.status_code == 200
    [error] = form_errors(response)
    assert "files of at most 10 MB can be imported" in error
    assert error in response.content.decode()
    assert not response.context.get("confirm_form")
    assert Cooperative.objects.count() == before
    assert stored(upload_dir) == []


def xlsx_with_sheet(sheet_xml_chunks) -> bytes:
    """A real workbook whose first sheet is replaced by the given XML, written in pieces."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["tax code", "name"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename == "xl/worksheets/sheet1.xml":
                with target.open(entry.filename, "w", force_zip64=True) as sheet:
                    for chunk in sheet_xml_chunks:
                        sheet.write(chunk)
            else:
                target.writestr(entry, source.read(entry.filename))
    return buffer.getvalue()


def repeated_rows(megabytes: int):
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>"
        b'<row><c t="inlineStr"><is><t>tax code</t></is></c>'
        b'<c t="inlineStr"><is><t>name</t></is></c></row>'
    )
    row = (
        f'<row><c t="inlineStr"><is><t>{tax_code(702)}</t></is></c>'
        '<c t="inlineStr"><is><t>HTX Bom</t></is></c></row>'
    ).encode()
    block = row * (1024 * 1024 // len(row) + 1)
    for _ in range(megabytes):
        yield block
    yield b"</sheetData></worksheet>"


@pytest.fixture
def openpyxl_never_opens(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(
    admin_client, world, upload_dir, openpyxl_never_opens
):
    bomb = xlsx_with_sheet(repeated_rows(150))
    assert len(bomb) < 1024 * 1024, "150 MB of sheet XML compresses to little"
    before = Cooperative.objects.count()
    response = upload(admin_client, bomb, "bomb.xlsx")
    assert response.status_code == 200
    [error] = form_errors(response)
    assert "more than the 100 MB allowed" in error
    assert error in response.content.decode()
    assert not response.context.get("confirm_form")
    assert Cooperative.objects.count() == before
    assert stored(upload_dir) == []


def test_an_absurd_compression_ratio_is_refused(
    admin_client, world, upload_dir, openpyxl_never_opens
):
    bomb = xlsx_with_sheet(repeated_rows(20))  # under the size limit, but 20 MB from ~20 kB
    response = upload(admin_client, bomb, "bomb.xlsx")
    [error] = form_errors(response)
    assert "compressed more than 100 to 1" in error
    assert stored(upload_dir) == []


def test_not_a_workbook_is_a_form_error(admin_client, world, upload_dir):
    response = upload(admin_client, b"tax code,name\n1,2\n", "rows.xlsx")
    assert response.status_code == 200
    assert form_errors(response) == ["The file is not a valid XLSX workbook."]


ROWS = [
    ["tax code", "name", "status", "commune code"],
    [tax_code(801), "HTX Mot", "active", "04204"],
    [tax_code(802), "HTX Hai", "active", "04204"],
    [tax_code(803), "HTX Ba", "active", "04204"],
]


def as_csv(rows) -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_are_refused(admin_client, world, upload_dir, settings, kind):
    settings.IMPORT_MAX_ROWS = 2
    before = Cooperative.objects.count()
    content, name = (as_csv(ROWS), "rows.csv") if kind == "csv" else (xlsx(ROWS), "rows.xlsx")
    response = upload(admin_client, content, name)
    assert response.status_code == 200
    [error] = form_errors(response)
    assert "more than 2 rows" in error
    assert not response.context.get("confirm_form")
    assert Cooperative.objects.count() == before
    assert stored(upload_dir) == []
    settings.IMPORT_MAX_ROWS = 3
    preview = upload(admin_client, content, name)
    assert preview.context["counts"] == {"new": 3, "update": 0, "skip": 0, "error": 0}
    assert confirm(admin_client, preview).status_code == 302
    assert Cooperative.objects.count() == before + 3


def test_rows_are_counted_as_they_are_read(admin_client, world, upload_dir, settings):
    """A sheet claiming a row far down (every row above it empty) is refused once the limit
    is passed, not materialised."""
    settings.IMPORT_MAX_ROWS = 1000
    sparse = xlsx_with_sheet(
        [
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>tax code</t></is></c></row>'
            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData></worksheet>"
        ]
    )
    response = upload(admin_client, sparse, "sparse.xlsx")
    assert "more than 1,000 rows" in form_errors(response)[0]


def test_a_normal_xlsx_imports_read_in_streaming_mode(admin_client, world, upload_dir, monkeypatch):
    opened = []
    original = openpyxl.load_workbook

    def spy(*args, **kwargs):
        opened.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    content = xlsx([*ROWS, [None, None, None, None], []])  # blank rows are left out
    preview = upload(admin_client, content, "rows.xlsx")
    assert preview.context["counts"] == {"new": 3, "update": 0, "skip": 0, "error": 0}
    assert confirm(admin_client, preview).status_code == 302
    assert Cooperative.objects.filter(tax_code__in=[row[0] for row in ROWS[1:]]).count() == 3
    assert opened and all(k.get("read_only") and k.get("data_only") for k in opened)
    assert stored(upload_dir) == []


def test_preview_errors_name_row_column_value_and_message(admin_client, world, upload_dir):
    content = f"mã số thuế,tên,trạng thái,mã xã\n{tax_code(901)},HTX Mot,active,99999\n"
    preview = upload(admin_client, content.encode())
    [problem] = preview.context["problems_page"]
    assert (problem["row"], problem["column"], problem["value"]) == (1, "mã xã", "99999")
    assert "99999" in problem["message"]
    assert 'id="import-problems"' in preview.content.decode()
    assert stored(upload_dir) == [], "a preview that cannot be confirmed keeps no file"


# --- Previewed files expire --------------------------------------------------------------------


def test_expire_command_removes_old_previews_and_keeps_fresh_ones(admin_client, world, upload_dir):
    def content(serial):
        return f"tax code,name,status,commune code\n{tax_code(serial)},HTX Cu,active,04204\n"

    old_preview = upload(admin_client, content(951).encode())
    [old] = stored(upload_dir)
    fresh_preview = upload(admin_client, content(952).encode())
    [fresh] = [name for name in stored(upload_dir) if name != old]
    day_and_more = time.time() - 25 * 3600
    os.utime(upload_dir / old, (day_and_more, day_and_more))
    (upload_dir / "notes.txt").write_text("not ours")  # other files are left alone

    output = io.StringIO()
    call_command("expire_import_files", stdout=output)
    assert "1 unconfirmed import file(s) deleted, 1 kept" in output.getvalue()
    assert stored(upload_dir) == sorted([fresh, "notes.txt"])

    assert confirm(admin_client, old_preview).status_code == 302
    assert not Cooperative.objects.filter(tax_code=tax_code(951)).exists()
    assert confirm(admin_client, fresh_preview).status_code == 302
    assert Cooperative.objects.filter(tax_code=tax_code(952)).exists()
    assert stored(upload_dir) == ["notes.txt"]


def test_expire_command_hours_option(admin_client, world, upload_dir):
    upload(
        admin_client,
        f"tax code,name,status,commune code\n{tax_code(962)},HTX,active,04204\n".encode(),
    )
    [name] = stored(upload_dir)
    two_hours_ago = time.time() - 2 * 3600
    os.utime(upload_dir / name, (two_hours_ago, two_hours_ago))
    call_command("expire_import_files", "--older-than-hours", "3", stdout=io.StringIO())
    assert stored(upload_dir) == [name]
    call_command("expire_import_files", "--older-than-hours", "1", stdout=io.StringIO())
    assert stored(upload_dir) == []


def test_a_preview_older_than_the_limit_cannot_be_confirmed(
    admin_client, world, upload_dir, settings
):
    preview = upload(
        admin_client,
        f"tax code,name,status,commune code\n{tax_code(971)},H,active,04204\n".encode(),
    )
    [name] = stored(upload_dir)
    old = time.time() - (settings.IMPORT_FILE_MAX_AGE_HOURS + 1) * 3600
    os.utime(upload_dir / name, (old, old))
    response = confirm(admin_client, preview)
    assert response.status_code == 302 and response["Location"] == import_url()
    assert not Cooperative.objects.filter(tax_code=tax_code(971)).exists()
    assert stored(upload_dir) == []


def test_upload_storage_refuses_names_it_did_not_make(upload_dir):
    storage = imports.UploadStorage(name="../secret", read_mode="rb")
    with pytest.raises(imports.UploadExpired):
        storage.read()
    storage.remove()  # nothing to do, no error
