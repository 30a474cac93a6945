"""Code lifecycle and audit trail: status changes through the API, history of every edit,
certificate expiry, and concurrent changes on real PostgreSQL."""

import threading
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import (
    AreaCode,
    AreaCodeStatusChange,
    ChangeSource,
    CodeStatus,
    Cooperative,
    VietGAPCertificate,
)
from registry.rules import bulk_check, dates, status_changes
from registry.rules.tax_codes import tax_code
from tests.api_world import build_world
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    MarketFactory,
    UserFactory,
    set_status,
)

API = "/api/v1"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world(db):
    return build_world()


def user_with(*codenames):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


SUSPEND_CN = {
    "to_status": "suspended",
    "markets": ["cn"],
    "reason": "GACC non-compliance notice",
    "source": "importing_country_notice",
    "reference": "GACC-2026-0042",
}


# --- Status changes through the API ----------------------------------------------------------


@pytest.mark.django_db
def test_timeline_is_public_and_oldest_first(api, world):
    response = api.get(f"{API}/area-codes/vn-slor-0002/status-changes/")
    assert response.status_code == 200
    timeline = response.json()
    assert [(e["market"], e["from_status"], e["to_status"]) for e in timeline] == [
        ("AU", "", "active"),
        ("CN", "", "active"),
        ("CN", "active", "suspended"),
    ]
    assert timeline[2]["reason"] == "GACC notice 17"


@pytest.mark.django_db
def test_anonymous_and_unprivileged_users_cannot_change_status(api, world):
    url = f"{API}/area-codes/VN-SLOR-0001/status-changes/"
    assert api.post(url, SUSPEND_CN, format="json").status_code in (401, 403)
    api.force_authenticate(user_with("change_areacode", "view_areacode"))
    assert api.post(url, SUSPEND_CN, format="json").status_code == 403
    assert AreaCodeStatusChange.objects.filter(subject__code="VN-SLOR-0001").count() == 2


@pytest.mark.django_db
def test_permitted_user_suspends_one_market(api, world):
    user = user_with("change_code_status")
    api.force_authenticate(user)
    body = {**SUSPEND_CN, "markets": ["AU"]}
    response = api.post(f"{API}/area-codes/vn-slor-0002/status-changes/", body, format="json")
    assert response.status_code == 201, response.content
    [entry] = response.json()
    assert entry["market"] == "AU"
    assert (entry["from_status"], entry["to_status"]) == ("active", "suspended")
    assert entry["recorded_by"] == user.username
    assert entry["reference"] == "GACC-2026-0042"
    detail = api.get(f"{API}/area-codes/VN-SLOR-0002/").json()
    assert {m["market"]: m["status"] for m in detail["markets"]} == {
        "AU": "suspended",
        "CN": "suspended",
    }


@pytest.mark.django_db
def test_impossible_transition_is_a_400_saying_why(api, world):
    api.force_authenticate(user_with("change_code_status"))
    body = {**SUSPEND_CN, "to_status": "active", "markets": ["US"]}
    response = api.post(f"{API}/area-codes/VN-SLOR-0003/status-changes/", body, format="json")
    assert response.status_code == 400
    assert "revocation is final" in response.json()["to_status"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"markets": ["ZZ"]}, "markets"),
        ({"to_status": "asleep"}, "to_status"),
        ({"source": "rumour"}, "source"),
        ({"reason": ""}, "reason"),
        ({"effective_on": "2099-01-01"}, "effective_on"),
        ({"effective_on": "someday"}, "effective_on"),
    ],
)
@pytest.mark.django_db
def test_bad_status_change_is_a_400_naming_the_field(api, world, change, field):
    api.force_authenticate(user_with("change_code_status"))
    body = {**SUSPEND_CN, **change}
    response = api.post(f"{API}/area-codes/VN-SLOR-0002/status-changes/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
def test_packing_house_status_changes(api, world):
    api.force_authenticate(user_with("change_code_status"))
    response = api.post(
        f"{API}/packing-houses/vn-slph-0001/status-changes/", SUSPEND_CN, format="json"
    )
    assert response.status_code == 201, response.content
    check = api.post(
        f"{API}/area-codes/check/", {"market": "CN", "codes": ["VN-SLPH-0001"]}, format="json"
    ).json()["results"][0]
    assert check["status"] == "suspended"
    assert "GACC non-compliance notice" in check["reason"]


@pytest.mark.django_db
def test_check_on_past_dates_agrees_with_history(api, world):
    code = AreaCode.objects.get(code="VN-SLOR-0001")
    set_status(code, CodeStatus.SUSPENDED, world.au, on=date(2025, 9, 1))
    set_status(code, CodeStatus.ACTIVE, world.au, on=date(2025, 10, 1))

    def valid(day):
        body = {"market": "AU", "date": day, "codes": ["VN-SLOR-0001"]}
        return api.post(f"{API}/area-codes/check/", body, format="json").json()["results"][0]

    assert valid("2025-06-30")["valid"] is False  # not yet registered
    assert valid("2025-08-31")["status"] == "active"
    during = valid("2025-09-15")
    assert (during["status"], during["status_since"]) == ("suspended", "2025-09-01")
    assert valid("2025-10-01")["status"] == "active"


# --- Audit trail -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_edit_is_in_history_with_user_and_values(client, world, administrator):
    client.force_login(administrator)
    cooperative = world.lam
    url = reverse("admin:registry_cooperative_change", args=[cooperative.pk])
    form = {
        "tax_code": cooperative.tax_code,
        "name": "HTX Xoài Mường Lầm Mới",
        "status": "active",
        "commune": cooperative.commune_id,
        "member_households": "40",
        **{
            f"{prefix}-{f}": "0"
            for prefix in ("trademark_rights", "certificates", "area_codes")
            for f in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = cooperative.history.latest()
    assert latest.history_user == administrator
    delta = latest.diff_against(latest.prev_record)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["name"] == ("HTX Xoài Mường Lầm", "HTX Xoài Mường Lầm Mới")
    assert changed["member_households"] == (None, 40)
    history_page = client.get(reverse("admin:registry_cooperative_history", args=[cooperative.pk]))
    assert "HTX Xoài Mường Lầm Mới" in history_page.content.decode()


@pytest.mark.django_db
def test_api_write_is_in_history_with_the_token_user(world):
    user = user_with("change_cooperative", "view_cooperative")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.patch(
        f"{API}/cooperatives/{tax_code(2)}/", {"phone": "0212 3800001"}, format="json"
    )
    assert response.status_code == 200, response.content
    latest = Cooperative.objects.get(tax_code=tax_code(2)).history.latest()
    assert latest.history_user == user
    assert latest.phone == "0212 3800001"
    history = client.get(f"{API}/cooperatives/{tax_code(2)}/history/").json()
    assert history[0]["type"] == "created"
    assert history[-1] == {
        "date": history[-1]["date"],
        "type": "changed",
        "user": user.username,
        "reason": "",
        "changes": [{"field": "phone", "old": "", "new": "0212 3800001"}],
    }


@pytest.mark.django_db
def test_history_endpoint_is_for_staff_only(api, world, staff):
    url = f"{API}/area-codes/VN-SLOR-0001/history/"
    response = api.get(url)
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    api.force_authenticate(staff)
    entries = api.get(url).json()
    assert entries[0]["type"] == "created"
    assert {"field": "code", "old": None, "new": "VN-SLOR-0001"} in entries[0]["changes"]


@pytest.mark.django_db
def test_every_registry_model_keeps_history():
    from django.apps import apps

    from registry.models import Commune, Province

    tracked = {
        model.__name__
        for model in apps.get_app_config("registry").get_models()
        if hasattr(model, "history")
    }
    assert {
        "Cooperative",
        "TrademarkRight",
        "VietGAPCertificate",
        "CertificationBody",
        "AreaCode",
        "PackingHouse",
        "Market",
        "Crop",
    } <= tracked
    assert not hasattr(Province, "history") and not hasattr(Commune, "history")


# --- Expiry ----------------------------------------------------------------------------------


def snapshot():
    return (
        AreaCodeStatusChange.objects.count(),
        VietGAPCertificate.history.count(),
        list(VietGAPCertificate.objects.values_list("expiry_recorded_at", flat=True)),
    )


@pytest.mark.django_db
def test_expire_records_suspends_codes_that_rely_on_an_expired_certificate(world, capsys):
    call_command("expire_records")
    out = capsys.readouterr().out
    assert "1 certificate(s) expired, 1 code(s) affected" in out
    assert "HTX Xoài Mường Lầm: 1 certificate(s), 1 code(s)" in out
    code = AreaCode.objects.get(code="VN-SLOR-0004")
    status = code.market_statuses.get()
    assert (status.status, status.since) == (CodeStatus.SUSPENDED, date(2025, 1, 2))
    change = code.status_changes.last()
    assert change.source == ChangeSource.CERTIFICATE_EXPIRY
    assert change.reason == "VietGAP basis VG-EXPIRED expired on 2025-01-01"
    certificate = VietGAPCertificate.objects.get(number="VG-EXPIRED")
    assert certificate.expiry_recorded_at is not None
    assert certificate.history.latest().history_change_reason == "manage.py expire_records"
    with translation.override("en"):
        result = bulk_check.check_codes(["VN-SLOR-0004"], world.au, dates.today())[0]
        before = bulk_check.check_codes(["VN-SLOR-0004"], world.au, date(2024, 12, 31))[0]
    assert not result.valid
    assert "VG-EXPIRED expired on 2025-01-01" in result.reason
    assert before.valid


@pytest.mark.django_db
def test_expire_records_twice_does_nothing_the_second_time(world, capsys):
    call_command("expire_records")
    after_first = snapshot()
    capsys.readouterr()
    call_command("expire_records")
    assert "0 certificate(s) expired, 0 code(s) affected" in capsys.readouterr().out
    assert snapshot() == after_first


@pytest.mark.django_db
def test_expire_records_dry_run_changes_nothing(world, capsys):
    before = snapshot()
    call_command("expire_records", "--dry-run")
    out = capsys.readouterr().out
    assert "[dry run] 1 certificate(s) expired, 1 code(s) affected" in out
    assert snapshot() == before


@pytest.mark.django_db
def test_expire_records_respects_later_status_dates():
    au = MarketFactory(code="AU")
    certificate = CertificateFactory(issued_on=date(2023, 1, 1), expires_on=date(2025, 1, 1))
    code = AreaCodeFactory(
        certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
    )
    set_status(code, CodeStatus.ACTIVE, au, on=date(2025, 3, 1))  # after the expiry
    call_command("expire_records", verbosity=0)
    assert code.market_statuses.get().since == date(2025, 3, 1)
    assert code.market_statuses.get().status == CodeStatus.SUSPENDED


# --- Concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_are_serialised_and_both_recorded():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au, on=date(2024, 1, 10))
    today = dates.today()
    second_started, outcome = threading.Event(), {}

    def second_person():
        from django.db import connections

        try:
            second_started.set()
            # Blocks on the row lock until the first person's transaction commits.
            set_status(
                AreaCode.objects.get(pk=code.pk), CodeStatus.REVOKED, au, on=today, reason="second"
            )
            outcome["second"] = "recorded"
        except status_changes.StatusChangeError as error:
            outcome["second"] = error
        finally:
            connections.close_all()

    with transaction.atomic():
        AreaCode.objects.select_for_update().get(pk=code.pk)  # the first person holds the row
        thread = threading.Thread(target=second_person)
        thread.start()
        second_started.wait(5)
        thread.join(0.5)
        assert thread.is_alive(), "the second change must wait for the first"
        set_status(code, CodeStatus.SUSPENDED, au, on=today, reason="first")
    thread.join(10)
    assert outcome["second"] == "recorded"
    chain = list(
        code.status_changes.order_by("id").values_list("from_status", "to_status", "reason")
    )
    assert chain == [
        ("", "active", "test"),
        ("active", "suspended", "first"),
        ("suspended", "revoked", "second"),
    ]
    assert code.market_statuses.get().status == CodeStatus.REVOKED


def test_expiry_window_is_a_setting(settings):
    settings.REGISTRY_EXPIRING_WITHIN_DAYS = 10
    assert dates.expiring_window() == timedelta(days=10)


@pytest.mark.django_db
def test_the_public_timeline_names_the_office_not_the_person(api, world, settings):
    settings.REGISTRY_OFFICE_NAME = "Chi cục TT&BVTV Sơn La"
    user = user_with("change_code_status")
    api.force_authenticate(user)
    url = f"{API}/area-codes/VN-SLOR-0002/status-changes/"
    assert api.post(url, {**SUSPEND_CN, "markets": ["AU"]}, format="json").status_code == 201
    assert api.get(url).json()[-1]["recorded_by"] == user.username, "staff see who"

    api.force_authenticate(None)
    newest = api.get(url).json()[-1]
    assert newest["recorded_by"] is None
    assert newest["acting_office"] == "Chi cục TT&BVTV Sơn La"
    assert user.username not in api.get(url).content.decode()
