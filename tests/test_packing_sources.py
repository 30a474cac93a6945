"""Packing houses tied to growing areas per market: the rule (its Python and SQL forms against a
table written by hand), the bulk check with a packing house, both sides' lists, the links'
own resource (filters, writes, download, history), the admin (inlines, list, import)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import CodeStatus, PackingHouseSource
from registry.rules import packing
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)
from tests.test_spreadsheets import confirm, counts, errors_by_row, import_file

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = date(2025, 6, 15)
DAY = timedelta(days=1)


def link(house, code, market, valid_from, valid_until=None, number=""):
    return PackingHouseSource.objects.create(
        packing_house=house,
        area_code=code,
        market=market,
        valid_from=valid_from,
        valid_until=valid_until,
        registration_number=number,
    )


@pytest.fixture
def links():
    """One packing house active for CN and AU; a suspended one; codes for each case of the
    rule on D, for CN."""
    cn, au = MarketFactory(code="CN"), MarketFactory(code="AU")
    house = PackingHouseFactory(code="VN-SLPH-0001")
    set_status(house, CodeStatus.ACTIVE, cn, au, on=date(2024, 1, 1))
    suspended = PackingHouseFactory(code="VN-SLPH-0002")
    set_status(suspended, CodeStatus.ACTIVE, cn, on=date(2024, 1, 1))
    set_status(suspended, CodeStatus.SUSPENDED, cn, on=date(2025, 5, 1), reason="GACC notice 7")
    codes = {}
    for n, case in enumerate(
        ["allowed", "not linked", "expired", "not yet", "code suspended", "ends on D", "au only"]
    ):
        code = AreaCodeFactory(code=f"VN-SLOR-{n + 1:04d}")
        set_status(code, CodeStatus.ACTIVE, cn, au, on=date(2024, 1, 1))
        codes[case] = code
    set_status(codes["code suspended"], CodeStatus.SUSPENDED, cn, on=date(2025, 3, 1))
    link(house, codes["allowed"], cn, date(2024, 6, 1), number="GACC-0001")
    link(house, codes["expired"], cn, date(2024, 1, 1), date(2025, 1, 31))
    link(house, codes["not yet"], cn, D + DAY)
    link(house, codes["code suspended"], cn, date(2024, 6, 1))
    link(house, codes["ends on D"], cn, date(2024, 6, 1), D)
    link(house, codes["au only"], au, date(2024, 6, 1))
    link(suspended, codes["allowed"], cn, date(2024, 6, 1))
    return {"cn": cn, "au": au, "house": house, "suspended": suspended, "codes": codes}


# --- The rule -----------------------------------------------------------------------------

#: (case, valid_from, valid_until, in force on D): written by hand
WINDOW_CASES = [
    ("open, started before", D - DAY, None, True),
    ("starts on D", D, None, True),
    ("starts after D", D + DAY, None, False),
    ("ends on D", D - 10 * DAY, D, True),
    ("ended before D", D - 10 * DAY, D - DAY, False),
    ("one day, D", D, D, True),
]


def test_link_in_force_python_and_sql_agree_with_the_table():
    cn = MarketFactory(code="CN")
    house = PackingHouseFactory()
    made = {}
    for case, start, end, _expected in WINDOW_CASES:
        made[case] = link(house, AreaCodeFactory(), cn, start, end).pk
    sql = set(
        PackingHouseSource.objects.filter(packing.link_in_force_q(D)).values_list("pk", flat=True)
    )
    for case, start, end, expected in WINDOW_CASES:
        assert packing.link_in_force(start, end, D) is expected, case
        assert (made[case] in sql) is expected, case


#: may VN-SLPH-0001 pack the code for CN on D (the whole rule), by hand
MAY_PACK_ON_D = {
    "allowed": True,
    "not linked": False,
    "expired": False,
    "not yet": False,
    "code suspended": False,
    "ends on D": True,
    "au only": False,
}


def test_may_pack_sql_form_agrees_with_the_bulk_check_and_the_table(links):
    house, cn = links["house"], links["cn"]
    sql = set(
        PackingHouseSource.objects.filter(
            packing.may_pack_q(D), packing_house=house, market=cn
        ).values_list("area_code__code", flat=True)
    )
    answer = check(links, "VN-SLPH-0001", list(MAY_PACK_ON_D)).json()
    python = {r["code"].upper(): r["packing"]["allowed"] for r in answer["results"]}
    for case, expected in MAY_PACK_ON_D.items():
        code = links["codes"][case].code
        assert (code in sql) is expected, case
        assert python[code] is expected, case


def test_may_pack_needs_the_packing_house_valid_too(links):
    sql = PackingHouseSource.objects.filter(packing.may_pack_q(D), packing_house=links["suspended"])
    assert not sql.exists()
    assert PackingHouseSource.objects.filter(
        packing.may_pack_q(date(2025, 4, 30)), packing_house=links["suspended"]
    ).exists()


def test_a_revoked_vietgap_basis_stops_the_packing_too(links):
    code = links["codes"]["allowed"]
    certificate = CertificateFactory(
        cooperative=code.cooperative,
        crop=code.crop,
        issued_on=date(2024, 1, 1),
        expires_on=date(2025, 12, 31),
        revoked_on=D - DAY,
        revocation_reason="audit",
    )
    code.certificate = certificate
    code.save()
    assert not PackingHouseSource.objects.filter(
        packing.may_pack_q(D), area_code=code, packing_house=links["house"]
    ).exists()


# --- The model ----------------------------------------------------------------------------


def test_overlapping_windows_are_refused_by_clean_and_by_the_database(links):
    house, code, cn = links["house"], links["codes"]["allowed"], links["cn"]
    overlapping = PackingHouseSource(
        packing_house=house, area_code=code, market=cn, valid_from=date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        overlapping.full_clean()
    assert "valid_from" in caught.value.message_dict
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            overlapping.save()
    # The same pair for another market, or a window after the expired one, is fine.
    PackingHouseSource(
        packing_house=house, area_code=code, market=links["au"], valid_from=date(2025, 1, 1)
    ).full_clean()
    PackingHouseSource(
        packing_house=house,
        area_code=links["codes"]["expired"],
        market=cn,
        valid_from=date(2025, 2, 1),
    ).full_clean()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="an exclusion constraint")
def test_the_no_overlap_constraint_leads_with_the_code():
    """Its GiST index answers a code's look-ups of its links (the planner costs it like the
    btree): led by the house, each such look-up read half the index (migration 0023)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'packing_source_no_overlap'"
        )
        (definition,) = cursor.fetchone()
    assert definition.startswith(
        "EXCLUDE USING gist (area_code_id WITH =, packing_house_id WITH =, market_id WITH ="
    ), definition


def test_a_link_cannot_end_before_it_starts(links):
    bad = PackingHouseSource(
        packing_house=links["house"],
        area_code=links["codes"]["not linked"],
        market=links["cn"],
        valid_from=D,
        valid_until=D - DAY,
    )
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "valid_until" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


# --- The bulk check with a packing house ----------------------------------------------------


def check(links, house, cases, market="CN", on=D, extra=()):
    codes = [links["codes"][case].code.lower() for case in cases] + list(extra)
    body = {"market": market, "date": on.isoformat(), "packing_house": house, "codes": codes}
    return APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        f"{API}/area-codes/check/", body, format="json"
    )


def test_bulk_check_answers_for_each_code_whether_the_house_may_pack_it(links):
    cases = list(MAY_PACK_ON_D)
    response = check(links, "vn-slph-0001", cases, extra=["VN-SLPH-0002", "VN-NOPE-0001"])
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["packing_house"]["code"] == "vn-slph-0001"
    assert answer["packing_house"]["valid"] is True
    assert answer["packing_house"]["status"] == "active"
    results = {r["code"].upper(): r for r in answer["results"]}
    by_case = {case: results[links["codes"][case].code]["packing"] for case in cases}
    assert by_case["allowed"] == {
        "allowed": True,
        "reason": "",
        "registration_number": "GACC-0001",
        "valid_from": "2024-06-01",
        "valid_until": None,
    }
    assert by_case["not linked"]["reason"] == "VN-SLPH-0001 has no link to VN-SLOR-0002 for CN."
    assert by_case["expired"]["reason"] == (
        "The link of VN-SLPH-0001 to VN-SLOR-0003 for CN ended on 2025-01-31."
    )
    assert by_case["not yet"]["reason"] == (
        "The link of VN-SLPH-0001 to VN-SLOR-0004 for CN starts on 2025-06-16."
    )
    assert by_case["code suspended"]["reason"].startswith(
        "VN-SLOR-0005 is not valid for CN on 2025-06-15: Suspended for CN since 2025-03-01"
    )
    assert by_case["ends on D"]["allowed"] is True
    assert by_case["au only"]["reason"] == "VN-SLPH-0001 has no link to VN-SLOR-0007 for CN."
    assert results["VN-SLPH-0002"]["packing"]["allowed"] is False
    assert "not a growing-area code" in results["VN-SLPH-0002"]["packing"]["reason"]
    assert results["VN-NOPE-0001"]["packing"]["allowed"] is False
    assert results["VN-NOPE-0001"]["packing"]["reason"].startswith("Unknown code")
    # The codes' own validity is answered as before.
    assert results["VN-SLOR-0005"]["valid"] is False


def test_bulk_check_with_a_suspended_packing_house(links):
    answer = check(links, "VN-SLPH-0002", ["allowed"]).json()
    assert answer["packing_house"]["valid"] is False
    assert answer["packing_house"]["status"] == "suspended"
    assert "GACC notice 7" in answer["packing_house"]["reason"]
    [result] = answer["results"]
    assert result["valid"] is True
    assert result["packing"]["allowed"] is False
    assert result["packing"]["reason"].startswith(
        "The packing house VN-SLPH-0002 is not valid for CN on 2025-06-15: Suspended"
    )
    # Before the suspension, the same pair was allowed.
    earlier = check(links, "VN-SLPH-0002", ["allowed"], on=date(2025, 4, 1)).json()
    assert earlier["results"][0]["packing"]["allowed"] is True


def test_bulk_check_without_a_packing_house_is_unchanged(links):
    body = {"market": "CN", "date": D.isoformat(), "codes": ["VN-SLOR-0001"]}
    answer = APIClient().post(f"{API}/area-codes/check/", body, format="json").json()
    assert "packing_house" not in answer
    assert "packing" not in answer["results"][0]


@pytest.mark.parametrize("house", ["VN-SLPH-9999", "", "x" * 61])
def test_bulk_check_refuses_an_unknown_packing_house_by_name(links, house):
    response = check(links, house, ["allowed"])
    assert response.status_code == 400
    assert set(response.json()) >= {"packing_house"}


def test_bulk_check_with_a_packing_house_takes_five_queries_for_many_codes(links):
    extra = [f"VN-SLOR-{n:04d}" for n in range(100, 600)] + ["VN-SLPH-0002"]
    with CaptureQueriesContext(connection) as captured:
        response = check(links, "VN-SLPH-0001", list(MAY_PACK_ON_D), extra=extra)
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(MAY_PACK_ON_D) + len(extra)
    assert len(captured) == 5, [q["sql"][:120] for q in captured]


# --- Both sides' lists --------------------------------------------------------------------


def test_packing_house_sources_with_market_and_valid_on(links):
    client = APIClient()
    everything = client.get(f"{API}/packing-houses/vn-slph-0001/sources/").json()
    assert everything["count"] == 6
    assert {r["code"] for r in everything["results"]} >= {"VN-SLOR-0001", "VN-SLOR-0007"}
    assert everything["results"][0]["note"] is None
    for_au = client.get(f"{API}/packing-houses/VN-SLPH-0001/sources/", {"market": "au"}).json()
    assert [r["code"] for r in for_au["results"]] == ["VN-SLOR-0007"]
    on_d = client.get(
        f"{API}/packing-houses/VN-SLPH-0001/sources/",
        {"market": "CN", "valid_on": D.isoformat()},
    ).json()
    allowed = {case for case, ok in MAY_PACK_ON_D.items() if ok}
    assert {r["code"] for r in on_d["results"]} == {links["codes"][c].code for c in allowed}
    page = client.get(f"{API}/packing-houses/VN-SLPH-0001/sources/", {"limit": 2}).json()
    assert (page["count"], len(page["results"])) == (6, 2) and page["next"]


def test_area_code_packing_houses_with_market_and_valid_on(links):
    client = APIClient()
    both = client.get(f"{API}/area-codes/VN-SLOR-0001/packing-houses/").json()
    assert [r["packing_house"] for r in both["results"]] == ["VN-SLPH-0001", "VN-SLPH-0002"]
    on_d = client.get(
        f"{API}/area-codes/VN-SLOR-0001/packing-houses/", {"valid_on": D.isoformat()}
    ).json()
    assert [r["packing_house"] for r in on_d["results"]] == ["VN-SLPH-0001"]
    assert on_d["results"][0]["registration_number"] == "GACC-0001"


@pytest.mark.parametrize(
    "params, name",
    [
        ({"market": "ZZ"}, "market"),
        ({"valid_on": "yesterday"}, "valid_on"),
        ({"valid_on": "1900-01-01"}, "valid_on"),
        ({"markets": "CN"}, "markets"),
        ({"limit": "-1"}, "limit"),
    ],
)
def test_both_sides_refuse_bad_parameters_by_name(links, params, name):
    for path in ("packing-houses/VN-SLPH-0001/sources/", "area-codes/VN-SLOR-0001/packing-houses/"):
        response = APIClient().get(f"{API}/{path}", params)
        assert response.status_code == 400, (path, response.content)
        assert name in response.json(), response.json()


def test_both_sides_answer_404_for_unknown_codes(links):
    assert APIClient().get(f"{API}/packing-houses/VN-SLPH-9999/sources/").status_code == 404
    assert APIClient().get(f"{API}/area-codes/VN-SLOR-9999/packing-houses/").status_code == 404


# --- The links' own resource --------------------------------------------------------------


def test_links_list_filters(links):
    client = APIClient()
    assert client.get(f"{API}/packing-house-sources/").json()["count"] == 7
    by_house = client.get(f"{API}/packing-house-sources/", {"packing_house": "vn-slph-0002"})
    assert by_house.json()["count"] == 1
    by_code = client.get(
        f"{API}/packing-house-sources/", {"code": "VN-SLOR-0001,VN-SLOR-0003", "market": "CN"}
    ).json()
    assert by_code["count"] == 3
    valid = client.get(
        f"{API}/packing-house-sources/", {"valid_on": D.isoformat(), "market": "CN"}
    ).json()
    assert {(r["packing_house"], r["code"]) for r in valid["results"]} == {
        ("VN-SLPH-0001", "VN-SLOR-0001"),
        ("VN-SLPH-0001", "VN-SLOR-0006"),
    }
    unknown = client.get(f"{API}/packing-house-sources/", {"code": "VN-NOPE-0001"})
    assert unknown.status_code == 400 and "code" in unknown.json()


def test_links_are_written_with_natural_keys_by_data_entry_only(links, data_entry, staff):
    body = {
        "packing_house": "vn-slph-0001",
        "code": "vn-slor-0002",
        "market": "cn",
        "valid_from": "2025-07-01",
        "registration_number": "GACC-0002",
        "note": "internal",
    }
    anonymous = APIClient().post(f"{API}/packing-house-sources/", body, format="json")
    assert anonymous.status_code in (401, 403)
    viewer = APIClient()
    viewer.force_authenticate(staff)
    assert viewer.post(f"{API}/packing-house-sources/", body, format="json").status_code == 403
    writer = APIClient()
    writer.force_authenticate(data_entry)
    created = writer.post(f"{API}/packing-house-sources/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "VN-SLOR-0002"
    assert created.json()["note"] == "internal"
    again = writer.post(f"{API}/packing-house-sources/", body, format="json")
    assert again.status_code == 400 and "valid_from" in again.json()
    pk = created.json()["id"]
    ended = writer.patch(
        f"{API}/packing-house-sources/{pk}/", {"valid_until": "2025-06-30"}, format="json"
    )
    assert ended.status_code == 400 and "valid_until" in ended.json()
    ended = writer.patch(
        f"{API}/packing-house-sources/{pk}/", {"valid_until": "2026-06-30"}, format="json"
    )
    assert ended.status_code == 200, ended.content
    history = writer.get(f"{API}/packing-house-sources/{pk}/history/").json()
    assert [entry["type"] for entry in history] == ["created", "changed"]
    assert APIClient().get(f"{API}/packing-house-sources/{pk}/history/").status_code in (401, 403)
    assert writer.delete(f"{API}/packing-house-sources/{pk}/").status_code in (403, 405)
    assert PackingHouseSource.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_links_download(links, file_format):
    response = APIClient().get(
        f"{API}/packing-house-sources/", {"format": file_format, "market": "AU"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if file_format == "csv":
        text = body.decode("utf-8-sig")
        assert "VN-SLOR-0007" in text and "VN-SLOR-0001" not in text
        assert "note" not in text.splitlines()[0].lower()


# --- The admin ----------------------------------------------------------------------------


def test_admin_inlines_render_on_both_sides(admin_client, links):
    house_page = admin_client.get(
        reverse("admin:registry_packinghouse_change", args=[links["house"].pk])
    )
    assert house_page.status_code == 200
    assert b"VN-SLOR-0007" in house_page.content
    code_page = admin_client.get(
        reverse("admin:registry_areacode_change", args=[links["codes"]["allowed"].pk])
    )
    assert code_page.status_code == 200
    assert b"VN-SLPH-0002" in code_page.content and b"GACC-0001" in code_page.content


def test_admin_list_filters_and_search(admin_client, links):
    url = reverse("admin:registry_packinghousesource_changelist")
    page = admin_client.get(url, {"market": "AU"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    page = admin_client.get(url, {"valid_on": D.isoformat()})
    assert page.context["cl"].result_count == 3  # two for CN, one for AU
    page = admin_client.get(url, {"q": "gacc-0001"})
    assert page.context["cl"].result_count == 1


def test_admin_inline_saves_a_new_link_from_the_code_page(admin_client, links):
    code = links["codes"]["not linked"]
    url = reverse("admin:registry_areacode_change", args=[code.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        {
            "crop": code.crop_id,
            "cooperative": code.cooperative_id,
            "commune": code.commune_id,
            "issued_on": code.issued_on.isoformat(),
            "area_ha": "15.00",
        }
    )
    page = admin_client.get(url)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = management.initial["TOTAL_FORMS"]
        data[f"{prefix}-INITIAL_FORMS"] = management.initial["INITIAL_FORMS"]
        for index, inline_form in enumerate(formset.formset.forms):
            data[f"{prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{prefix}-{index}-{formset.formset.fk.name}"] = code.pk
        if formset.formset.model is PackingHouseSource:
            data[f"{prefix}-TOTAL_FORMS"] = 1
            data[f"{prefix}-0-packing_house"] = links["house"].pk
            data[f"{prefix}-0-market"] = links["cn"].pk
            data[f"{prefix}-0-valid_from"] = "2025-07-01"
            data[f"{prefix}-0-registration_number"] = "GACC-0099"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    saved = PackingHouseSource.objects.get(area_code=code)
    assert (saved.packing_house, saved.registration_number) == (links["house"], "GACC-0099")


HEADER = "packing house,growing-area code,market,valid from,valid until,note"


def test_admin_import_preview_then_all_or_nothing(admin_client, links):
    content = (
        f"{HEADER}\n"
        "vn-slph-0001,VN-SLOR-0002,CN,2025-07-01,,new\n"
        "VN-SLPH-0001,VN-SLOR-0003,CN,2024-01-01,2025-03-31,extended\n"
    ).encode()
    preview = import_file(admin_client, "packinghousesource", content)
    assert counts(preview) == {"new": 1, "update": 1, "skip": 0, "error": 0}, errors_by_row(preview)
    assert PackingHouseSource.objects.count() == 7, "the preview writes nothing"
    confirm(admin_client, "packinghousesource", preview)
    assert PackingHouseSource.objects.count() == 8
    extended = PackingHouseSource.objects.get(area_code=links["codes"]["expired"])
    assert (extended.valid_until, extended.note) == (date(2025, 3, 31), "extended")
    assert extended.history.first().history_change_reason == "Spreadsheet import"


def test_admin_import_refuses_overlaps_with_the_registry_and_within_the_file(admin_client, links):
    content = (
        f"{HEADER}\n"
        "VN-SLPH-0001,VN-SLOR-0001,CN,2025-01-01,,overlaps the registry\n"
        "VN-SLPH-0001,VN-SLOR-0002,CN,2025-01-01,2025-12-31,\n"
        "VN-SLPH-0001,VN-SLOR-0002,CN,2025-06-01,,overlaps row 2\n"
        "VN-SLPH-0001,VN-NOPE-0001,ZZ,2025-06-01,,\n"
    ).encode()
    preview = import_file(admin_client, "packinghousesource", content)
    errors = errors_by_row(preview)
    assert set(errors) == {1, 3, 4}, errors
    assert "valid_from" in errors[1] and "valid_from" in errors[3]
    assert {"code", "market"} <= set(errors[4])
    before = PackingHouseSource.objects.count()
    confirm(admin_client, "packinghousesource", preview)
    assert PackingHouseSource.objects.count() == before


# --- Sample data --------------------------------------------------------------------------


def test_sample_links_are_fictitious_idempotent_and_show_each_case(settings):
    from django.core.management import call_command

    call_command("load_sample_data", verbosity=0)
    first = PackingHouseSource.objects.count()
    call_command("load_sample_data", verbosity=0)
    assert PackingHouseSource.objects.count() == first >= 5
    assert all("hư cấu" in link.note for link in PackingHouseSource.objects.all())
    today = date.today()
    assert PackingHouseSource.objects.filter(valid_until__lt=today).exists(), "one has ended"
    in_force = PackingHouseSource.objects.filter(packing.link_in_force_q(today))
    allowed = in_force.filter(packing.may_pack_q(today))
    refused = set(in_force.values_list("pk", flat=True)) - set(allowed.values_list("pk", flat=True))
    assert allowed.exists() and refused, "some links in force may not pack today"


def test_the_sample_file_imports_cleanly_into_the_sample_data(admin_client):
    from django.core.management import call_command

    call_command("load_sample_data", verbosity=0)
    sample = admin_client.get(reverse("admin:registry_packinghousesource_import_sample"))
    assert sample.status_code == 200
    preview = import_file(admin_client, "packinghousesource", sample.content)
    assert not errors_by_row(preview)
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 0}


def test_the_answer_written_by_hand_is_what_the_schema_documents(links):
    """``check_answer`` (fast) and ``CodeCheckResponseSerializer`` (the schema) agree, with and
    without a packing house, for every shape of result."""
    from registry.api.serializers import CodeCheckResponseSerializer, check_answer
    from registry.rules import bulk_check

    codes = [c.code for c in links["codes"].values()] + ["VN-SLPH-0002", "vn-nope-0001"]
    for house_code in (None, "VN-SLPH-0001", "VN-SLPH-0002"):
        house = bulk_check.packing_house_on(house_code, links["cn"], D) if house_code else None
        results = bulk_check.check_codes(codes, links["cn"], D, house)
        documented = CodeCheckResponseSerializer(
            {"market": "CN", "date": D, "packing_house": house, "results": results}
        ).data
        assert check_answer("CN", D, house, results) == documented
