"""Growers: the households of a growing area are private (names only for users who may view
growers, everywhere: API list, detail, download, history, admin, schema); the public sees
counts; disagreements with the code's households or area are warnings, never refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import Grower
from registry.rules import growers
from tests.factories import AreaCodeFactory, UserFactory
from tests.test_spreadsheets import confirm, counts, errors_by_row, import_file

pytestmark = pytest.mark.django_db

API = "/api/v1"
SECRET = "Lò Văn Bí Mật"


@pytest.fixture
def farm():
    code = AreaCodeFactory(code="VN-SLOR-0001", area_ha=Decimal("3.00"), households=3)
    other = AreaCodeFactory(code="VN-SLOR-0002", area_ha=Decimal("10.00"), households=8)
    for name, area in ((SECRET, "1.00"), ("Cầm Thị Hoa", "1.00"), ("Quàng Văn Thắng", "1.00")):
        Grower.objects.create(area_code=code, name=name, plot_area_ha=Decimal(area))
    Grower.objects.create(area_code=other, name="Hà Văn Dũng", plot_area_ha=Decimal("0.50"))
    return {"code": code, "other": other}


def client_for(user=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


# --- The rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "households, area, count, total, expected",
    [
        (3, "3.00", 3, "3.00", 0),  # agree
        (3, "3.00", 0, None, 0),  # nothing recorded: nothing to compare
        (4, "3.00", 3, "3.00", 1),  # one household missing
        (3, "3.00", 3, "3.20", 1),  # plots 6.7% over the area (tolerance 5%)
        (3, "3.00", 3, "3.15", 0),  # 5% exactly: within
        (None, "3.00", 2, "3.00", 0),  # households unknown
        (5, "10.00", 1, "0.50", 2),  # both
    ],
)
def test_disagreements_follow_the_table(households, area, count, total, expected):
    found = growers.disagreements(
        "VN-SLOR-0001",
        households,
        Decimal(area),
        count,
        Decimal(total) if total else None,
    )
    assert len(found) == expected, found


# --- Private: who sees names ------------------------------------------------------------------


def test_anonymous_and_staff_see_no_names_anywhere(farm, staff):
    grower = Grower.objects.get(name=SECRET)
    for client in (client_for(), client_for(staff), client_for(UserFactory())):
        for path, params in (
            ("growers/", {}),
            ("growers/", {"format": "csv"}),
            ("growers/", {"format": "xlsx"}),
            (f"growers/{grower.pk}/", {}),
            (f"growers/{grower.pk}/history/", {}),
        ):
            response = client.get(f"{API}/{path}", params)
            assert response.status_code in (401, 403), (path, params, response.status_code)
            assert SECRET.encode() not in response.content
        detail = client.get(f"{API}/area-codes/VN-SLOR-0001/").json()
        assert detail["growers"] == {"count": 3, "total_plot_area_ha": "3.00"}
        listing = client.get(f"{API}/area-codes/").content
        assert SECRET.encode() not in listing and SECRET.encode() not in detail.__repr__().encode()
    schema = client_for().get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/growers/" in schema.content
    schema = schema.content
    assert SECRET.encode() not in schema and "Lò Văn".encode() not in schema


def test_the_schema_documents_the_warnings_of_a_page_of_growers(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/growers/"]["get"]["responses"]["200"]["content"]
    reference = listing["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][reference]["properties"]
    assert page["warnings"]["items"] == {"type": "string"}


def test_staff_do_not_see_growers_in_the_admin(client, farm, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:registry_areacode_change", args=[farm["code"].pk]))
    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert client.get(reverse("admin:registry_grower_changelist")).status_code == 403


def test_data_entry_reads_lists_downloads_and_writes_growers(farm, data_entry):
    client = client_for(data_entry)
    listing = client.get(f"{API}/growers/", {"code": "vn-slor-0001"}).json()
    assert [r["name"] for r in listing["results"]] == sorted(
        [SECRET, "Cầm Thị Hoa", "Quàng Văn Thắng"]
    )
    assert listing["warnings"] == []
    other = client.get(f"{API}/growers/", {"code": "VN-SLOR-0002"}).json()
    assert len(other["warnings"]) == 2, other["warnings"]
    assert "1 growers but 8 farming households" in other["warnings"][0]
    csv = client.get(f"{API}/growers/", {"format": "csv"})
    assert csv.status_code == 200 and SECRET in b"".join(csv.streaming_content).decode()
    assert client.get(f"{API}/growers/", {"code": "VN-NOPE-0001"}).status_code == 400
    created = client.post(
        f"{API}/growers/",
        {"code": "vn-slor-0002", "name": "Điêu Thị Lan", "plot_area_ha": "2.5"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "VN-SLOR-0002"
    refused = client.post(
        f"{API}/growers/",
        {"code": "VN-SLOR-0002", "name": "Lò Văn Không", "plot_area_ha": "0"},
        format="json",
    )
    assert refused.status_code == 400 and "plot_area_ha" in refused.json()
    history = client.get(f"{API}/growers/{created.json()['id']}/history/").json()
    assert [entry["type"] for entry in history] == ["created"]


def test_only_permitted_users_write_growers(farm, staff):
    body = {"code": "VN-SLOR-0002", "name": "Hà Văn Mới", "plot_area_ha": "1"}
    assert client_for().post(f"{API}/growers/", body, format="json").status_code in (401, 403)
    assert client_for(staff).post(f"{API}/growers/", body, format="json").status_code == 403


# --- Admin --------------------------------------------------------------------------------


def test_admin_inline_saves_growers_and_warns_on_disagreement(admin_client, farm):
    code = farm["other"]
    url = reverse("admin:registry_areacode_change", args=[code.pk])
    page = admin_client.get(url)
    assert b"H\xc3\xa0 V\xc4\x83n D\xc5\xa9ng" in page.content  # the inline lists the household
    data = {
        "code": code.code,
        "kind": code.kind,
        "crop": code.crop_id,
        "cooperative": code.cooperative_id,
        "commune": code.commune_id,
        "issued_on": code.issued_on.isoformat(),
        "area_ha": "10.00",
        "households": "8",
    }
    for formset in page.context["inline_admin_formsets"]:
        prefix, forms = formset.formset.prefix, formset.formset.forms
        data[f"{prefix}-TOTAL_FORMS"] = len(forms)
        data[f"{prefix}-INITIAL_FORMS"] = formset.formset.initial_form_count()
        for index, form in enumerate(forms):
            data[f"{prefix}-{index}-id"] = form.instance.pk
            data[f"{prefix}-{index}-{formset.formset.fk.name}"] = code.pk
            for name in form.fields:
                if name not in ("id", formset.formset.fk.name, "DELETE"):
                    value = form.initial.get(name)
                    data[f"{prefix}-{index}-{name}"] = "" if value is None else value
        if formset.formset.model is Grower:
            data[f"{prefix}-TOTAL_FORMS"] = len(forms) + 1
            data[f"{prefix}-{len(forms)}-name"] = "Tòng Văn Xuân"
            data[f"{prefix}-{len(forms)}-plot_area_ha"] = "1.50"
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert Grower.objects.filter(area_code=code).count() == 2
    from django.contrib import messages

    shown = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    assert len(shown) == 2 and "VN-SLOR-0002" in shown[0] and "8" in shown[0], shown


def test_admin_import_preview_then_apply(admin_client, farm):
    content = (
        "growing-area code,household name,plot area (ha),phone\n"
        "vn-slor-0002,Hà Văn Dũng,0.75,\n"
        "VN-SLOR-0002,Lường Thị Mai,2.00,0212 000000\n"
    ).encode()
    preview = import_file(admin_client, "grower", content)
    assert counts(preview) == {"new": 1, "update": 1, "skip": 0, "error": 0}, errors_by_row(preview)
    confirm(admin_client, "grower", preview)
    assert Grower.objects.get(name="Hà Văn Dũng").plot_area_ha == Decimal("0.75")
    assert Grower.objects.filter(area_code=farm["other"]).count() == 2
    bad = import_file(admin_client, "grower", b"code,name,plot_area_ha\nVN-NOPE-0001,X,1\n")
    assert "code" in errors_by_row(bad)[1]


def test_sample_growers_are_fictitious_and_one_code_disagrees():
    from django.core.management import call_command

    from registry.models import AreaCode

    call_command("load_sample_data", verbosity=0)
    first = Grower.objects.count()
    call_command("load_sample_data", verbosity=0)
    assert Grower.objects.count() == first > 0
    assert all("hư cấu" in g.name for g in Grower.objects.all())
    agree = AreaCode.objects.get(code="VN-SLOR-0001")
    disagree = AreaCode.objects.get(code="VN-SLOR-0002")
    assert growers.warnings_for([agree]) == []
    assert growers.warnings_for([disagree])


def test_roles_give_growers_to_administrators_and_data_entry_only():
    """The groups as the migrations left them (their last role sync runs with every model)."""
    from django.contrib.auth.models import Group

    from registry import roles

    def codenames(group):
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    assert {"view_grower", "add_grower", "change_grower"} <= codenames(roles.ADMINISTRATORS)
    assert {"view_grower", "add_grower", "change_grower"} <= codenames(roles.DATA_ENTRY)
    assert "delete_grower" not in codenames(roles.DATA_ENTRY)
    staff = codenames(roles.STAFF)
    assert "view_grower" not in staff and "view_historicalgrower" not in staff
    assert "view_areacode" in staff and "view_packinghousesource" in staff


def test_area_code_growers_counts_match_the_declarative_serializer(farm):
    """The fast representation (list and detail) and ``AreaCodeSerializer`` agree on the
    growers' counts, with growers and without."""
    from registry.api import representations
    from registry.api import serializers as s
    from registry.models import AreaCode

    empty = AreaCodeFactory(code="VN-SLOR-0003")
    for code in (farm["code"], farm["other"], empty):
        declared = s.AreaCodeSerializer(AreaCode.objects.get(pk=code.pk)).data["growers"]
        rows = list(
            AreaCode.objects.filter(pk=code.pk).values(
                *representations.AreaCodes.fields, *representations.AreaCodes.joined
            )
        )
        assert representations.AreaCodes.render(rows)[0]["growers"] == declared
    assert declared == {"count": 0, "total_plot_area_ha": None}
    assert s.AreaCodeSerializer(farm["other"]).data["growers"] == {
        "count": 1,
        "total_plot_area_ha": "0.50",
    }
