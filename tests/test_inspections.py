"""Inspections: the record (one code or one packing house), the API (filters, 400s, what the
public sees, writes), attachments (limits, authorised download), the proposed suspension and
its one-click confirmation, and ``supervision_report``."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from registry.models import (
    AreaCodeMarket,
    AreaCodeStatusChange,
    ChangeEvent,
    ChangeSource,
    CodeStatus,
    Commune,
    Inspection,
    InspectionAttachment,
    InspectionSample,
    Market,
)
from registry.rules import dates
from registry.rules import inspections as rules
from registry.rules.tax_codes import tax_code
from tests.factories import (
    AreaCodeFactory,
    CooperativeFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
PDF = b"%PDF-1.4\n%fictitious report\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world():
    au, us, cn = (MarketFactory(code=c) for c in ("AU", "US", "CN"))
    code = AreaCodeFactory(code="VN-SLOR-0001")
    other = AreaCodeFactory(code="VN-SLOR-0002")
    house = PackingHouseFactory(code="VN-SLPH-0001")
    for subject in (code, other):
        set_status(subject, CodeStatus.ACTIVE, au, us, cn, on=date(2024, 1, 15))
    return {"au": au, "us": us, "cn": cn, "code": code, "other": other, "house": house}


def inspection(subject_field, subject, on=date(2025, 3, 1), **fields):
    return Inspection.objects.create(
        **{subject_field: subject},
        inspected_on=on,
        inspecting_body=fields.pop("inspecting_body", "Chi cục TT&BVTV Sơn La"),
        kind=fields.pop("kind", "periodic"),
        result=fields.pop("result", "compliant"),
        **fields,
    )


# --- The record ------------------------------------------------------------------------------


def test_an_inspection_is_of_a_code_or_a_packing_house_never_both_nor_neither(world):
    both = Inspection(
        area_code=world["code"],
        packing_house=world["house"],
        inspected_on=date(2025, 3, 1),
        inspecting_body="x",
        kind="periodic",
        result="compliant",
    )
    with pytest.raises(ValidationError) as error:
        both.full_clean()
    assert "area_code" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        both.save()
    both.packing_house = None
    both.area_code = None
    with pytest.raises(IntegrityError), transaction.atomic():
        both.save()


def test_dates_are_checked(world):
    future = Inspection(
        area_code=world["code"],
        inspected_on=dates.today() + timedelta(days=1),
        inspecting_body="x",
        kind="periodic",
        result="compliant",
        corrective_action_deadline=dates.today(),
    )
    with pytest.raises(ValidationError) as error:
        future.full_clean()
    assert set(error.value.message_dict) == {"inspected_on", "corrective_action_deadline"}
    ancient = Inspection(
        area_code=world["code"],
        inspected_on=date(1900, 1, 1),
        inspecting_body="x",
        kind="periodic",
        result="compliant",
    )
    with pytest.raises(ValidationError) as error:
        ancient.full_clean()
    assert "inspected_on" in error.value.message_dict


def test_an_exceeded_sample_is_computed_from_its_result_and_limit(world):
    found = inspection("area_code", world["code"])
    above = InspectionSample.objects.create(
        inspection=found, substance="Carbendazim", result_value=Decimal("0.3"), limit_value=1
    )
    assert above.exceeded is False
    above.result_value = Decimal("1.2")
    above.save()
    assert above.exceeded is True
    pest = InspectionSample.objects.create(
        inspection=found, substance="Ruồi đục quả", exceeded=True
    )
    assert pest.exceeded is True  # no numbers: as entered


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def listed(world):
    return {
        "old": inspection("area_code", world["code"], date(2024, 5, 1), kind="video"),
        "bad": inspection(
            "area_code",
            world["code"],
            date(2025, 2, 1),
            result="non_compliant",
            findings="Dư lượng vượt mức",
            inspectors="Lò Văn Thử",
        ),
        "other": inspection("area_code", world["other"], date(2025, 1, 10), kind="follow_up"),
        "house": inspection("packing_house", world["house"], date(2025, 4, 1)),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["house", "bad", "other", "old"]),
        ({"code": "vn-slor-0001"}, ["bad", "old"]),
        ({"code": "VN-SLOR-0001,VN-SLOR-0002"}, ["bad", "other", "old"]),
        ({"packing_house": "VN-SLPH-0001"}, ["house"]),
        ({"kind": "video,follow_up"}, ["other", "old"]),
        ({"result": "non_compliant"}, ["bad"]),
        ({"date_after": "2025-01-10"}, ["house", "bad", "other"]),
        ({"date_before": "2025-01-10"}, ["other", "old"]),
        ({"date_after": "2025-01-11", "date_before": "2025-03-01"}, ["bad"]),
        ({"ordering": "inspected_on"}, ["old", "other", "bad", "house"]),
    ],
)
def test_list_filters(listed, params, expected):
    response = APIClient().get(f"{API}/inspections/", params)
    assert ids(response) == [listed[name].pk for name in expected]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"code": "VN-NOPE-0001"}, "code"),
        ({"packing_house": "VN-SLOR-0001"}, "packing_house"),
        ({"kind": "monthly"}, "kind"),
        ({"result": "fine"}, "result"),
        ({"date_after": "yesterday"}, "date_after"),
        ({"date_before": "1900-01-01"}, "date_before"),
        ({"ordering": "findings"}, "ordering"),
        ({"codes": "VN-SLOR-0001"}, "codes"),
        ({"limit": "-1"}, "limit"),
    ],
)
def test_bad_parameters_are_400s_naming_the_parameter(listed, params, parameter):
    response = APIClient().get(f"{API}/inspections/", params)
    assert response.status_code == 400
    assert parameter in response.json()


def test_the_public_reads_date_kind_and_result_not_findings_or_samples(listed, staff):
    InspectionSample.objects.create(
        inspection=listed["bad"], substance="Carbendazim", result_value=2, limit_value=1
    )
    public = APIClient().get(f"{API}/inspections/{listed['bad'].pk}/").json()
    assert public["code"] == "VN-SLOR-0001" and public["packing_house"] is None
    assert public["result"] == "non_compliant" and public["proposes_suspension"] is True
    assert public["reference"] == f"INS-{listed['bad'].pk}"
    assert [public[f] for f in ("inspectors", "findings", "samples", "attachments")] == [None] * 4

    signed_in = APIClient()
    signed_in.force_authenticate(staff)
    full = signed_in.get(f"{API}/inspections/ins-{listed['bad'].pk}/").json()
    assert full["findings"] == "Dư lượng vượt mức" and full["inspectors"] == "Lò Văn Thử"
    assert full["samples"][0]["substance"] == "Carbendazim"
    assert full["samples"][0]["exceeded"] is True
    assert full["attachments"] == []


def test_the_csv_download_holds_only_public_columns(listed):
    listed["bad"].markets.set(Market.objects.filter(code__in=["US", "CN"]))
    response = APIClient().get(
        f"{API}/inspections/", {"format": "csv", "code": "VN-SLOR-0001", "lang": "en"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 3
    assert "Dư lượng vượt mức" not in body and "Lò Văn Thử" not in body
    assert rows[1][1] == "VN-SLOR-0001" and rows[1][6] == "non-compliant"
    # the markets concerned, computed from the many-to-many field (empty: every market)
    assert rows[0][9] == "markets concerned"
    assert [row[9] for row in rows[1:]] == ["CN; US", ""]


def test_writes_need_the_role_that_edits_codes(world, data_entry, staff):
    body = {
        "code": "vn-slor-0001",
        "inspected_on": "2025-03-01",
        "inspecting_body": "Chi cục TT&BVTV Sơn La",
        "kind": "unannounced",
        "result": "findings_to_correct",
        "corrective_action_deadline": "2025-04-01",
        "markets": ["cn"],
        "samples": [{"substance": "Chlorpyrifos", "result_value": "0.02", "limit_value": "0.05"}],
    }
    assert APIClient().post(f"{API}/inspections/", body, format="json").status_code in (401, 403)
    viewer = APIClient()
    viewer.force_authenticate(staff)
    assert viewer.post(f"{API}/inspections/", body, format="json").status_code == 403
    writer = APIClient()
    writer.force_authenticate(data_entry)
    created = writer.post(f"{API}/inspections/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["markets"] == ["CN"]
    assert created.json()["samples"][0]["exceeded"] is False
    pk = created.json()["id"]
    both = writer.patch(
        f"{API}/inspections/{pk}/", {"packing_house": "VN-SLPH-0001"}, format="json"
    )
    assert both.status_code == 400 and "area_code" in both.json()
    history = writer.get(f"{API}/inspections/{pk}/history/")
    assert history.status_code == 200 and history.json()[0]["type"] == "created"
    assert writer.delete(f"{API}/inspections/{pk}/").status_code in (403, 405)
    assert Inspection.objects.filter(pk=pk).exists()


# --- Attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("report.pdf", PDF, None),
        ("photo.PNG", PNG, None),
        ("report.docx", PDF, "pdf, jpg, jpeg, png"),
        ("report.pdf", PNG, "not a real PDF"),
        ("photo.jpg", PDF, "not a real JPG"),
        ("big.pdf", PDF + b"x" * 2048, "at most 1024 bytes"),
    ],
)
def test_attachments_are_limited_in_size_and_type(world, settings, name, content, message):
    settings.INSPECTION_ATTACHMENT_MAX_BYTES = 1024
    found = inspection("area_code", world["code"])
    attachment = InspectionAttachment(inspection=found, file=SimpleUploadedFile(name, content))
    if message is None:
        attachment.full_clean()
        attachment.save()
        assert attachment.original_name == name and attachment.size == len(content)
        return
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        attachment.full_clean()
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        attachment.save()  # the shell skips full_clean
    assert not InspectionAttachment.objects.exists()


def test_attachments_download_only_for_authorised_users(world, staff):
    found = inspection("area_code", world["code"])
    attachment = InspectionAttachment(
        inspection=found, file=SimpleUploadedFile("Biên bản.pdf", PDF), description="biên bản"
    )
    attachment.save()
    url = f"{API}/inspections/{found.pk}/attachments/{attachment.pk}/"
    assert APIClient().get(url).status_code in (401, 403)
    signed_in = APIClient()
    signed_in.force_authenticate(staff)
    listed = signed_in.get(f"{API}/inspections/{found.pk}/").json()["attachments"]
    assert listed[0]["url"].endswith(url) and listed[0]["content_type"] == "application/pdf"
    response = signed_in.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    other = inspection("area_code", world["other"])
    wrong = f"{API}/inspections/{other.pk}/attachments/{attachment.pk}/"
    assert signed_in.get(wrong).status_code == 404


# --- Proposed suspension, confirmed in one click ---------------------------------------------


def statuses(code):
    return dict(AreaCodeMarket.objects.filter(subject=code).values_list("market__code", "status"))


def test_saving_a_non_compliant_inspection_suspends_nothing(world, data_entry):
    before = AreaCodeStatusChange.objects.count()
    admin = Client()
    admin.force_login(data_entry)
    response = admin.post(
        reverse("admin:registry_inspection_add"),
        {
            "area_code": world["code"].pk,
            "inspected_on": "2025-03-01",
            "kind": "unannounced",
            "result": "non_compliant",
            "inspecting_body": "Chi cục TT&BVTV Sơn La",
            "markets": [world["cn"].pk],
            "samples-TOTAL_FORMS": "1",
            "samples-INITIAL_FORMS": "0",
            "samples-0-substance": "Carbendazim",
            "samples-0-result_value": "0.5",
            "samples-0-limit_value": "0.1",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    saved = Inspection.objects.get()
    assert saved.samples.get().exceeded is True
    assert AreaCodeStatusChange.objects.count() == before
    assert statuses(world["code"]) == {"AU": "active", "US": "active", "CN": "active"}
    page = admin.get(reverse("admin:registry_inspection_change", args=[saved.pk]))
    html = page.content.decode()
    assert 'id="suspension-proposal"' in html and 'id="confirm-suspension"' not in html


@pytest.mark.parametrize(
    "result, exceeded, concerned, proposed",
    [
        ("non_compliant", False, ["CN"], ["CN"]),
        ("non_compliant", False, [], ["AU", "CN", "US"]),
        ("findings_to_correct", True, ["AU", "US"], ["AU", "US"]),
        ("findings_to_correct", False, ["CN"], None),
        ("compliant", False, [], None),
    ],
)
def test_what_an_inspection_proposes(world, result, exceeded, concerned, proposed):
    found = inspection("area_code", world["code"], result=result)
    found.markets.set([world[m.lower()] for m in concerned])
    InspectionSample.objects.create(inspection=found, substance="x", exceeded=exceeded)
    proposal = rules.proposed_suspension(found)
    assert (proposal and [m.code for m in proposal.markets]) == (proposed or None)


def test_one_click_confirms_the_suspension_through_the_status_service(world, administrator):
    found = inspection("area_code", world["code"], result="non_compliant")
    found.markets.set([world["cn"]])
    admin = Client()
    admin.force_login(administrator)
    page = admin.get(reverse("admin:registry_inspection_change", args=[found.pk]))
    assert 'id="confirm-suspension"' in page.content.decode()
    confirm = reverse("admin:registry_inspection_confirm_suspension", args=[found.pk])
    assert admin.get(confirm).status_code == 405  # a click is a POST
    response = admin.post(confirm)
    assert response.status_code == 302
    assert statuses(world["code"]) == {"AU": "active", "US": "active", "CN": "suspended"}
    change = AreaCodeStatusChange.objects.get(subject=world["code"], to_status="suspended")
    assert (change.market.code, change.source, change.reference, change.recorded_by) == (
        "CN",
        ChangeSource.LOCAL_INSPECTION,
        f"INS-{found.pk}",
        administrator,
    )
    assert f"INS-{found.pk}" in change.reason
    # Done: no longer proposed, and a second click records nothing.
    assert rules.proposed_suspension(found) is None
    admin.post(confirm)
    assert AreaCodeStatusChange.objects.filter(to_status="suspended").count() == 1
    timeline = APIClient().get(f"{API}/area-codes/VN-SLOR-0001/status-changes/").json()
    assert timeline[-1]["source"] == "local_inspection"
    assert timeline[-1]["reference"] == f"INS-{found.pk}"


def test_confirming_needs_the_status_change_permission(world, data_entry):
    found = inspection("area_code", world["code"], result="non_compliant")
    admin = Client()
    admin.force_login(data_entry)
    html = admin.get(reverse("admin:registry_inspection_change", args=[found.pk])).content
    assert b'id="suspension-proposal"' in html and b'id="confirm-suspension"' not in html
    response = admin.post(reverse("admin:registry_inspection_confirm_suspension", args=[found.pk]))
    assert response.status_code == 403
    assert not AreaCodeStatusChange.objects.filter(to_status="suspended").exists()
    with pytest.raises(PermissionDenied):
        rules.confirm_suspension(found, data_entry)


def test_a_packing_house_inspection_proposes_for_the_packing_house(world, administrator):
    set_status(world["house"], CodeStatus.ACTIVE, world["cn"], on=date(2024, 1, 15))
    found = inspection("packing_house", world["house"], result="non_compliant")
    recorded = rules.confirm_suspension(found, administrator)
    assert [(c.subject, c.market.code, c.to_status) for c in recorded] == [
        (world["house"], "CN", "suspended")
    ]


def test_code_change_pages_list_inspections_newest_first(world, admin_client):
    old = inspection("area_code", world["code"], date(2024, 5, 1))
    new = inspection("area_code", world["code"], date(2025, 5, 1))
    page = admin_client.get(reverse("admin:registry_areacode_change", args=[world["code"].pk]))
    formset = next(f for f in page.context["inline_admin_formsets"] if f.opts.model is Inspection)
    assert [form.original for form in formset] == [new, old]
    house = admin_client.get(
        reverse("admin:registry_packinghouse_change", args=[world["house"].pk])
    )
    assert house.status_code == 200


def test_admin_inspection_list_filters_and_search(world, admin_client):
    inspection("area_code", world["code"], kind="video")
    inspection("area_code", world["other"], kind="periodic")
    url = reverse("admin:registry_inspection_changelist")
    found = admin_client.get(url, {"q": "slor 0002"}).context["cl"].result_list
    assert [i.area_code.code for i in found] == ["VN-SLOR-0002"]
    found = admin_client.get(url, {"kind__exact": "video"}).context["cl"].result_list
    assert [i.area_code.code for i in found] == ["VN-SLOR-0001"]


# --- supervision_report ----------------------------------------------------------------------


@pytest.fixture
def report_world(world):
    """Lapsed codes in Sơn La (one never inspected, one overdue), one monitored, one lapsed
    outside Sơn La, one revoked everywhere."""
    today = dates.today()
    later = CooperativeFactory(name="HTX Xoài Mường Lầm", tax_code=tax_code(9))
    earlier = CooperativeFactory(name="=HTX Ác", tax_code=tax_code(8))
    world["code"].cooperative = later
    world["code"].save()
    world["other"].cooperative = earlier
    world["other"].save()
    inspection("area_code", world["other"], dates.add_months(today, -14))
    monitored = AreaCodeFactory(code="VN-SLOR-0003", cooperative=later)
    set_status(monitored, CodeStatus.ACTIVE, world["au"], on=date(2024, 1, 15))
    inspection("area_code", monitored, dates.add_months(today, -1))
    hanoi = AreaCodeFactory(
        code="VN-HNOR-0001", commune=Commune.objects.filter(province_id="01").first()
    )
    set_status(hanoi, CodeStatus.ACTIVE, world["au"], on=date(2024, 1, 15))
    revoked = AreaCodeFactory(code="VN-SLOR-0004")
    set_status(revoked, CodeStatus.ACTIVE, world["au"], on=date(2024, 1, 15))
    set_status(revoked, CodeStatus.REVOKED, world["au"], on=date(2024, 2, 1))
    return world


def test_supervision_report_csv_lists_lapsed_codes_per_cooperative(report_world, tmp_path):
    out = tmp_path / "report.csv"
    call_command("supervision_report", "--province", "14", "--output", str(out), "--lang", "en")
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["tax code", "cooperative", "code"]
    assert [(r[0], r[1], r[2], r[6]) for r in rows[1:]] == [
        (tax_code(8), "'=HTX Ác", "VN-SLOR-0002", "inspection overdue"),
        (tax_code(9), "HTX Xoài Mường Lầm", "VN-SLOR-0001", "never inspected"),
    ]
    assert rows[1][5] == "AU; CN; US"
    everywhere = tmp_path / "all.csv"
    call_command("supervision_report", "--output", str(everywhere))
    assert "VN-HNOR-0001" in everywhere.read_text(encoding="utf-8-sig")


def test_supervision_report_xlsx_holds_the_same_rows(report_world, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command(
        "supervision_report", "--province", "14", "--format", "xlsx", "-o", str(out), "--lang", "en"
    )
    sheet = load_workbook(out, read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["tax code", "cooperative", "code"]
    # Text cells are typed as text: "=HTX Ác" is shown as written and never runs.
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (tax_code(8), "=HTX Ác", "VN-SLOR-0002"),
        (tax_code(9), "HTX Xoài Mường Lầm", "VN-SLOR-0001"),
    ]
    # The downloads' writer (registry.xlsx_exports.write_sheet): a bold, frozen header, text
    # cells formatted as text, dates as dates.
    book = load_workbook(out)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["A2"].number_format == "@"
    assert isinstance(sheet["H2"].value, datetime)


def test_supervision_report_refuses_an_unknown_province(report_world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="99"):
        call_command("supervision_report", "--province", "99")


# --- The change feed's events (registry.changes) ---------------------------------------------
# Read from the table: these tests run inside one transaction, which the feed's endpoint would
# not serve yet (tests/test_change_feed.py polls it, committing).


def feed(kind=None):
    """(kind, subject, market) of the inspections' events, in the order recorded."""
    events = ChangeEvent.objects.filter(kind__startswith="inspection").order_by("id")
    if kind:
        events = events.filter(kind=kind)
    return [(e.kind, e.subject_code, e.market_code) for e in events]


def admin_form(world, **fields):
    return {
        "area_code": world["code"].pk,
        "inspected_on": "2025-03-01",
        "kind": "periodic",
        "result": "compliant",
        "inspecting_body": "Chi cục TT&BVTV Sơn La",
        "samples-TOTAL_FORMS": "0",
        "samples-INITIAL_FORMS": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.fixture
def writer(data_entry):
    client = Client()
    client.force_login(data_entry)
    return client


def test_an_inspection_added_in_the_admin_has_one_event_per_market_it_names(world, writer):
    response = writer.post(
        reverse("admin:registry_inspection_add"),
        admin_form(world, markets=[world["au"].pk, world["cn"].pk]),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    saved = Inspection.objects.get()
    assert feed() == [
        ("inspection_result", "VN-SLOR-0001", "AU"),
        ("inspection_result", "VN-SLOR-0001", "CN"),
    ]
    event = ChangeEvent.objects.filter(kind="inspection_result").first()
    assert event.payload == {
        "result": "compliant",
        "inspection_kind": "periodic",
        "reference": saved.reference,
    }
    assert event.effective_on == date(2025, 3, 1)


def test_an_inspection_naming_no_market_has_the_markets_its_code_still_has(
    world, writer, django_capture_on_commit_callbacks
):
    """As supervision and the proposed suspension read it: no market named is every market of
    the code; a revoked market is no longer the code's (supervision_markets)."""
    set_status(world["code"], CodeStatus.REVOKED, world["us"], on=date(2024, 6, 1))
    response = writer.post(reverse("admin:registry_inspection_add"), admin_form(world))
    assert response.status_code == 302
    assert feed() == [
        ("inspection_result", "VN-SLOR-0001", "AU"),
        ("inspection_result", "VN-SLOR-0001", "CN"),
    ]
    # A packing house registered for no market: one event, for no market in particular. Made
    # with the ORM and no markets set, it is recorded when its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        inspection("packing_house", world["house"])
        assert len(feed()) == 2, "pending until the markets are known"
    assert feed()[-1] == ("inspection_result", "VN-SLPH-0001", "")


def test_an_inspection_created_through_the_api_or_the_orm_carries_its_markets(world, administrator):
    api = APIClient()
    api.force_authenticate(administrator)
    response = api.post(
        f"{API}/inspections/",
        {
            "code": "VN-SLOR-0002",
            "inspected_on": "2025-03-02",
            "inspecting_body": "GACC",
            "kind": "importing_country_audit",
            "result": "non_compliant",
            "markets": ["CN"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert feed() == [("inspection_result", "VN-SLOR-0002", "CN")]
    response = api.post(
        f"{API}/inspections/",
        {
            "code": "VN-SLOR-0002",
            "inspected_on": "2025-03-03",
            "inspecting_body": "Chi cục",
            "kind": "periodic",
            "result": "compliant",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert feed()[1:] == [
        ("inspection_result", "VN-SLOR-0002", "AU"),
        ("inspection_result", "VN-SLOR-0002", "CN"),
        ("inspection_result", "VN-SLOR-0002", "US"),
    ], "no market named: the code's, in the request's transaction"
    # Code that creates the row and then sets its markets, in one transaction, as tests do.
    with transaction.atomic():
        found = inspection("area_code", world["code"], result="findings_to_correct")
        found.markets.set([world["au"]])
    assert feed()[4:] == [("inspection_result", "VN-SLOR-0001", "AU")]


def test_a_corrected_result_kind_or_date_records_a_change_and_nothing_else_does(
    world, writer, administrator
):
    found = inspection("area_code", world["code"], result="findings_to_correct")
    found.markets.set([world["au"]])
    url = reverse("admin:registry_inspection_change", args=[found.pk])
    form = admin_form(world, result="findings_to_correct", markets=[world["au"].pk])
    # Saved unchanged, or with only what the feed does not show: no event.
    assert writer.post(url, form).status_code == 302
    assert writer.post(url, form | {"findings": "Nhật ký thiếu"}).status_code == 302
    assert feed("inspection_change") == []
    # The result corrected in the admin.
    assert writer.post(url, form | {"result": "non_compliant"}).status_code == 302
    assert feed("inspection_change") == [("inspection_change", "VN-SLOR-0001", "AU")]
    event = ChangeEvent.objects.get(kind="inspection_change")
    assert event.payload == {
        "from_result": "findings_to_correct",
        "to_result": "non_compliant",
        "from_inspection_kind": "periodic",
        "to_inspection_kind": "periodic",
        "from_inspected_on": "2025-03-01",
        "to_inspected_on": "2025-03-01",
        "from_markets": ["AU"],
        "to_markets": ["AU"],
        "reference": found.reference,
    }
    # The date and kind through the API, which also moves it from AU to CN: an event for
    # each, so that AU's watchers hear it no longer concerns them.
    api = APIClient()
    api.force_authenticate(administrator)
    response = api.patch(
        f"{API}/inspections/{found.pk}/",
        {"inspected_on": "2025-02-20", "kind": "follow_up", "markets": ["CN"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert feed("inspection_change")[1:] == [
        ("inspection_change", "VN-SLOR-0001", "AU"),
        ("inspection_change", "VN-SLOR-0001", "CN"),
    ]
    last = ChangeEvent.objects.filter(kind="inspection_change").latest("id")
    assert last.effective_on == date(2025, 2, 20)
    assert last.payload["from_inspected_on"] == "2025-03-01"
    assert last.payload["to_inspection_kind"] == "follow_up"
    assert last.payload["from_result"] == last.payload["to_result"] == "non_compliant"
    assert (last.payload["from_markets"], last.payload["to_markets"]) == (["AU"], ["CN"])
    # Only the findings (not in the feed); then only the markets, in the admin (they are).
    patched = api.patch(f"{API}/inspections/{found.pk}/", {"findings": "x"}, format="json")
    assert patched.status_code == 200
    assert len(feed("inspection_change")) == 3, "findings are not in the feed"
    form = form | {"result": "non_compliant", "inspected_on": "2025-02-20", "kind": "follow_up"}
    assert writer.post(url, form | {"markets": [world["cn"].pk]}).status_code == 302
    assert len(feed("inspection_change")) == 3, "saved as it was"
    assert writer.post(url, form | {"markets": []}).status_code == 302
    assert feed("inspection_change")[3:] == [
        ("inspection_change", "VN-SLOR-0001", "AU"),
        ("inspection_change", "VN-SLOR-0001", "CN"),
        ("inspection_change", "VN-SLOR-0001", "US"),
    ], "no market named: every market of the code"


def test_deleting_an_inspection_in_the_admin_records_its_deletion(world, admin_client):
    found = inspection("area_code", world["code"], result="non_compliant")
    found.markets.set([world["us"]])
    url = reverse("admin:registry_inspection_delete", args=[found.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Inspection.objects.exists()
    event = ChangeEvent.objects.get(kind="inspection_deletion")
    assert (event.subject_code, event.market_code) == ("VN-SLOR-0001", "US")
    assert event.payload["result"] == "non_compliant"
