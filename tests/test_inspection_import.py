"""Importing inspections through the admin's spreadsheet import: matched by id (blank: new),
codes and markets by their codes, kinds and results by key or label in either language; the
markets concerned compared and written with their history; nothing suspended by an import."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.models import (
    AreaCodeStatusChange,
    ChangeEvent,
    CodeStatus,
    Inspection,
    PackingHouseStatusChange,
)
from registry.rules import inspections as inspection_rules
from tests.test_inspections import inspection, world  # noqa: F401 (a fixture)
from tests.test_spreadsheets import confirm, counts, errors_by_row, import_file

pytestmark = pytest.mark.django_db

HEADER_EN = (
    "id,growing-area code,packing house,inspection date,inspecting body,inspectors,kind,"
    "result,findings,corrective-action deadline,markets concerned"
)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def admin_download(admin_client) -> bytes:
    response = admin_client.get(reverse("admin:registry_inspection_download"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def markets_of(record) -> list[str]:
    return sorted(record.markets.values_list("code", flat=True))


def test_new_rows_with_labels_in_either_language_and_markets(admin_client, world):  # noqa: F811
    content = csv_bytes(
        HEADER_EN,
        ",vn-slor-0001,,2025-03-01,Chi cục TT&BVTV Sơn La,Lò Văn A,định kỳ,compliant,,,CN; AU",
        ",,VN-SLPH-0001,2025-03-02,GACC,,video inspection,có điểm cần khắc phục,"
        "Thiếu nhật ký,2025-04-01,",
    )
    preview = import_file(admin_client, "inspection", content)
    assert counts(preview) == {"new": 2, "update": 0, "skip": 0, "error": 0}, errors_by_row(preview)
    assert Inspection.objects.count() == 0, "the preview writes nothing"
    confirm(admin_client, "inspection", preview)
    of_code = Inspection.objects.get(area_code=world["code"])
    assert (of_code.kind, of_code.result, of_code.inspectors) == (
        "periodic",
        "compliant",
        "Lò Văn A",
    )
    assert markets_of(of_code) == ["AU", "CN"]
    of_house = Inspection.objects.get(packing_house=world["house"])
    assert (of_house.kind, of_house.result) == ("video", "findings_to_correct")
    assert of_house.corrective_action_deadline == date(2025, 4, 1)
    assert markets_of(of_house) == []
    # One history entry each, whose snapshot holds the markets as imported.
    [entry] = of_code.history.all()
    assert entry.history_change_reason == "Spreadsheet import"
    assert sorted(m.market.code for m in entry.markets.all()) == ["AU", "CN"]


def test_updates_by_id_or_reference_and_unchanged_rows_are_skipped(admin_client, world):  # noqa: F811
    first = inspection("area_code", world["code"], date(2025, 1, 10))
    first.markets.set([world["au"]])
    second = inspection("area_code", world["other"], date(2025, 1, 11))
    third = inspection("packing_house", world["house"], date(2025, 1, 12))
    histories = {i.pk: i.history.count() for i in (first, second, third)}
    content = csv_bytes(
        "id,markets concerned,result,findings",
        f"{first.pk},AU,compliant,",  # unchanged
        f"INS-{second.pk},US; CN,compliant,",  # markets only
        f"{third.pk},,non_compliant,Dư lượng vượt mức",  # fields only
    )
    preview = import_file(admin_client, "inspection", content)
    assert counts(preview) == {"new": 0, "update": 2, "skip": 1, "error": 0}, errors_by_row(preview)
    changes = {c["row"]: c["cells"] for c in preview.context["job"].summary["changes"]}
    assert changes[2] == [["markets concerned", "", "CN; US"]]
    confirm(admin_client, "inspection", preview)
    for record in (first, second, third):
        record.refresh_from_db()
    assert first.history.count() == histories[first.pk], "an unchanged row records nothing"
    assert markets_of(second) == ["CN", "US"]
    assert second.history.count() == histories[second.pk] + 1
    latest = second.history.first()
    assert sorted(m.market.code for m in latest.markets.all()) == ["CN", "US"]
    assert (third.result, third.findings) == ("non_compliant", "Dư lượng vượt mức")
    assert third.history.count() == histories[third.pk] + 1
    assert Inspection.objects.count() == 3


def test_errors_name_row_column_and_value_and_nothing_is_applied(admin_client, world):  # noqa: F811
    known = inspection("area_code", world["code"])
    content = csv_bytes(
        HEADER_EN,
        ",VN-SLOR-9999,,2025-03-01,Chi cục,,periodic,compliant,,,",
        ",VN-SLOR-0001,,2025-03-01,Chi cục,,weekly,compliant,,,",
        ",VN-SLOR-0001,,2025-03-01,Chi cục,,periodic,compliant,,,CN; XX",
        "99999,VN-SLOR-0001,,2025-03-01,Chi cục,,periodic,compliant,,,",
        ",,,2025-03-01,Chi cục,,periodic,compliant,,,",
        ",VN-SLOR-0001,,2025-03-01,Chi cục,,periodic,compliant,,2025-02-01,",
        f"{known.pk},VN-SLOR-0001,,2025-03-01,Chi cục,,periodic,bad,,,",
        ",VN-SLOR-0002,,2025-05-01,Chi cục mới,,periodic,compliant,,,",  # a valid row
    )
    preview = import_file(admin_client, "inspection", content)
    assert counts(preview)["error"] == 7
    problems = {p["row"]: p for p in preview.context["job"].summary["problems"]}
    assert (problems[1]["field"], problems[1]["column"], problems[1]["value"]) == (
        "code",
        "growing-area code",
        "VN-SLOR-9999",
    )
    assert (problems[2]["field"], problems[2]["value"]) == ("kind", "weekly")
    assert (problems[3]["field"], problems[3]["value"]) == ("markets", "CN; XX")
    assert "XX" in problems[3]["message"]
    assert (problems[4]["field"], problems[4]["value"]) == ("id", "99999")
    assert problems[5]["field"] == "code", "neither a code nor a packing house"
    assert problems[6]["field"] == "corrective_action_deadline"
    assert (problems[7]["field"], problems[7]["value"]) == ("result", "bad")
    confirm(admin_client, "inspection", preview)
    assert Inspection.objects.count() == 1, "nothing is applied while any row has an error"


def test_the_same_inspection_twice_in_a_file_is_an_error(admin_client, world):  # noqa: F811
    known = inspection("area_code", world["code"])
    content = csv_bytes("id,result", f"{known.pk},compliant", f"INS-{known.pk},non_compliant")
    errors = errors_by_row(import_file(admin_client, "inspection", content))
    assert list(errors) == [2] and list(errors[2]) == ["id"]


def test_an_imported_non_compliant_inspection_suspends_nothing(admin_client, world):  # noqa: F811
    content = csv_bytes(
        HEADER_EN,
        ",VN-SLOR-0001,,2025-03-01,Chi cục,,periodic,non-compliant,Dư lượng,,CN",
        ",,VN-SLPH-0001,2025-03-01,Chi cục,,periodic,không đạt,,,",
    )
    preview = import_file(admin_client, "inspection", content)
    assert counts(preview)["new"] == 2, errors_by_row(preview)
    changes_before = AreaCodeStatusChange.objects.count(), PackingHouseStatusChange.objects.count()
    confirm(admin_client, "inspection", preview)
    assert (
        AreaCodeStatusChange.objects.count(),
        PackingHouseStatusChange.objects.count(),
    ) == changes_before
    assert world["code"].market_statuses.get(market__code="CN").status == CodeStatus.ACTIVE
    # ... it proposes the suspension, for the administrator to confirm.
    imported = Inspection.objects.get(area_code=world["code"])
    proposal = inspection_rules.proposed_suspension(imported)
    assert [m.code for m in proposal.markets] == ["CN"]


def test_a_downloaded_file_imports_back_unchanged(admin_client, world):  # noqa: F811
    bad = inspection(
        "area_code",
        world["code"],
        date(2025, 2, 1),
        result="non_compliant",
        record_number="=BB-01",
        corrective_action_deadline=date(2025, 3, 1),
    )
    bad.markets.set([world["cn"], world["au"]])
    inspection("packing_house", world["house"], date(2025, 4, 1), kind="video")
    inspection("area_code", world["other"], date(2025, 1, 10), kind="follow_up")
    exported = admin_download(admin_client)
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert "AU; CN" in rows[-1] or any("AU; CN" in row for row in rows)
    histories = sum(i.history.count() for i in Inspection.objects.all())
    preview = import_file(admin_client, "inspection", exported)
    assert not errors_by_row(preview)
    assert counts(preview) == {"new": 0, "update": 0, "skip": 3, "error": 0}
    confirm(admin_client, "inspection", preview)
    assert sum(i.history.count() for i in Inspection.objects.all()) == histories
    assert admin_download(admin_client) == exported


def test_the_sample_file_imports_cleanly_into_the_sample_data(admin_client, settings):
    call_command("load_sample_data", verbosity=0)
    page = admin_client.get(reverse("admin:registry_inspection_import"))
    assert 'id="import-sample"' in page.content.decode()
    sample = admin_client.get(reverse("admin:registry_inspection_import_sample")).content
    header = next(csv.reader(io.StringIO(sample.decode("utf-8-sig"))))
    assert "thị trường liên quan" in header or "markets concerned" in header
    before = Inspection.objects.count()
    preview = import_file(admin_client, "inspection", sample)
    assert not errors_by_row(preview)
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 0}
    confirm(admin_client, "inspection", preview)
    assert Inspection.objects.count() == before + 1
    imported = Inspection.objects.order_by("-pk").first()
    assert markets_of(imported) == ["CN"] and imported.inspectors


def test_imported_inspections_record_their_events_with_their_markets(admin_client, world):  # noqa: F811
    """The change feed (registry.inspection_feed): the import writes the markets in bulk and
    records each new inspection's events with them; a changed result or markets records an
    inspection_change, an unchanged row or one changing only the findings records nothing."""
    changed = inspection("area_code", world["other"], date(2025, 1, 11))
    changed.markets.set([world["au"]])
    same = inspection("packing_house", world["house"], date(2025, 1, 12))
    content = csv_bytes(
        "id,growing-area code,packing house,inspection date,inspecting body,kind,result,"
        "findings,markets concerned",
        ",VN-SLOR-0001,,2025-03-01,Chi cục,periodic,compliant,,AU",
        ",VN-SLOR-0001,,2025-03-02,Chi cục,periodic,compliant,,",
        f"{changed.pk},VN-SLOR-0002,,2025-01-11,Chi cục,periodic,non_compliant,,US",
        f"{same.pk},,VN-SLPH-0001,2025-01-12,Chi cục TT&BVTV Sơn La,periodic,compliant,Ghi chú,",
    )
    last = ChangeEvent.objects.latest("id").pk  # the setup's (``changed`` for AU)
    preview = import_file(admin_client, "inspection", content)
    assert counts(preview) == {"new": 2, "update": 2, "skip": 0, "error": 0}, errors_by_row(preview)
    assert not ChangeEvent.objects.filter(pk__gt=last).exists(), "the preview records nothing"
    confirm(admin_client, "inspection", preview)
    events = ChangeEvent.objects.filter(pk__gt=last).order_by("id")
    assert [(e.kind, e.subject_code, e.effective_on.day, e.market_code) for e in events] == [
        ("inspection_result", "VN-SLOR-0001", 1, "AU"),
        # no market named: the markets the code has (AU, US, CN in this world)
        ("inspection_result", "VN-SLOR-0001", 2, "AU"),
        ("inspection_result", "VN-SLOR-0001", 2, "CN"),
        ("inspection_result", "VN-SLOR-0001", 2, "US"),
        ("inspection_change", "VN-SLOR-0002", 11, "AU"),
        ("inspection_change", "VN-SLOR-0002", 11, "US"),
    ]
    assert events.last().payload == {
        "from_result": "compliant",
        "to_result": "non_compliant",
        "from_inspection_kind": "periodic",
        "to_inspection_kind": "periodic",
        "from_inspected_on": "2025-01-11",
        "to_inspected_on": "2025-01-11",
        "from_markets": ["AU"],
        "to_markets": ["US"],
        "reference": changed.reference,
    }
