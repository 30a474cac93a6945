"""The admin through its real views: pages, search, filters, roles, statuses, the dashboard."""

from datetime import date

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from registry.models import AreaCode, CodeStatus, Cooperative, Market
from registry.rules.tax_codes import tax_code
from tests.factories import AreaCodeFactory, CooperativeFactory, MarketFactory, commune, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(settings):
    call_command("load_sample_data", verbosity=0)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_page_renders_for_a_superuser(sample, admin_client):
    for model, model_admin in admin.site._registry.items():
        response = admin_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        if model_admin.has_add_permission(response.wsgi_request):
            assert admin_client.get(admin_url(model, "add")).status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
            if hasattr(model_admin, "history_view"):
                history = admin_client.get(admin_url(model, "history", obj.pk))
                assert history.status_code == 200, model


@pytest.mark.parametrize(
    "term", ["chieng khoong", "Chiềng Khoong", "CHIENG KHOONG", "chiềng KHOONG"]
)
def test_search_ignores_case_and_diacritics(term, admin_client):
    wanted = CooperativeFactory(name="HTX Nhãn Bản Cát", commune=commune("04204"))
    CooperativeFactory(name="HTX Xoài Mường Lầm", commune=commune("04183"))
    response = admin_client.get(admin_url(Cooperative, "changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [wanted]


def test_search_finds_codes_by_folded_cooperative_name(admin_client):
    code = AreaCodeFactory(cooperative=CooperativeFactory(name="HTX Đoàn Kết"))
    AreaCodeFactory()
    response = admin_client.get(admin_url(AreaCode, "changelist"), {"q": "doan ket"})
    assert list(response.context["cl"].result_list) == [code]


def test_admin_filters_use_the_filtersets(admin_client):
    au, cn = MarketFactory(code="AU"), MarketFactory(code="CN")
    suspended_cn = AreaCodeFactory()
    set_status(suspended_cn, CodeStatus.ACTIVE, au, cn)
    set_status(suspended_cn, CodeStatus.SUSPENDED, cn, on=date(2024, 3, 1))
    active_both = AreaCodeFactory()
    set_status(active_both, CodeStatus.ACTIVE, au, cn)

    def listed(**params):
        response = admin_client.get(admin_url(AreaCode, "changelist"), params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed(market="CN", status="suspended") == {suspended_cn}
    assert listed(market="AU", status="suspended") == set()
    assert listed(market="AU", status="active") == {suspended_cn, active_both}
    assert listed(commune="04204") == {suspended_cn, active_both}
    assert listed(province="01") == set()


def test_codes_cannot_be_deleted_in_the_admin(admin_client):
    code = AreaCodeFactory()
    response = admin_client.get(admin_url(AreaCode, "delete", code.pk))
    assert response.status_code == 403
    changelist = admin_client.get(admin_url(AreaCode, "changelist"))
    assert (
        "delete_selected"
        not in changelist.context["action_form"].fields["action"].choices.__str__()
    )
    assert AreaCode.objects.filter(pk=code.pk).exists()


def test_code_letters_cannot_be_edited_after_issue(admin_client):
    code = AreaCodeFactory(code="VN-SLOR-0500")
    response = admin_client.get(admin_url(AreaCode, "change", code.pk))
    assert "code" not in response.context["adminform"].form.fields


def test_change_page_shows_market_statuses_and_timeline(admin_client):
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au, reason="Cấp mã lần đầu")
    set_status(code, CodeStatus.SUSPENDED, au, on=date(2024, 4, 1), reason="Thông báo DAFF 12")
    content = admin_client.get(admin_url(AreaCode, "change", code.pk)).content.decode()
    assert "Thông báo DAFF 12" in content
    assert "Cấp mã lần đầu" in content


def test_dashboard_counts_codes_per_market(sample, admin_client):
    response = admin_client.get(reverse("admin:index"))
    rows = {row["market"].code: row for row in response.context["market_counts"]}
    for code in ("AU", "CN", "US"):
        expected = {
            status: AreaCode.objects.filter(
                market_statuses__market__code=code, market_statuses__status=status
            ).count()
            for status in CodeStatus.values
        }
        assert {s: rows[code][s] for s in CodeStatus.values} == expected
    assert rows["CN"]["suspended"] > 0
    assert len(response.context["expiring"]) > 0


def test_admin_speaks_vietnamese_by_default_and_english_on_request(admin_client):
    vi = admin_client.get(admin_url(AreaCode, "changelist")).content.decode()
    en = admin_client.get(
        admin_url(AreaCode, "changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Mã số vùng trồng" in vi
    assert "Growing-area codes" in en


# --- Roles -----------------------------------------------------------------------------------


def suspend_action(client, code, market):
    return client.post(
        admin_url(AreaCode, "changelist"),
        {
            "action": "make_suspended",
            "_selected_action": [code.pk],
            "apply": "1",
            "markets": [market.pk],
            "effective_on": "2024-05-01",
            "reason": "Thông báo không tuân thủ",
            "source": "importing_country_notice",
            "reference": "GACC-2024-17",
        },
        follow=True,
    )


@pytest.fixture
def active_code():
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au)
    return code


def test_staff_view_only(staff, client, active_code):
    client.force_login(staff)
    assert client.get(admin_url(AreaCode, "changelist")).status_code == 200
    assert client.get(admin_url(Cooperative, "changelist")).status_code == 200
    assert client.get(admin_url(AreaCode, "add")).status_code == 403
    change = client.get(admin_url(AreaCode, "change", active_code.pk))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert client.post(admin_url(Cooperative, "add"), {}).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    suspend_action(client, active_code, Market.objects.get(code="AU"))
    assert active_code.market_statuses.get().status == CodeStatus.ACTIVE


def test_data_entry_adds_records_but_changes_no_status(data_entry, client, active_code):
    client.force_login(data_entry)
    response = client.post(
        admin_url(Cooperative, "add"),
        {
            "tax_code": tax_code(999),
            "name": "HTX Thử Nghiệm",
            "status": "active",
            "commune": "04204",
            **{
                f"{prefix}-{field}": "0"
                for prefix in ("trademark_rights", "certificates", "area_codes")
                for field in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Cooperative.objects.filter(tax_code=tax_code(999)).exists()
    action_form = client.get(admin_url(AreaCode, "changelist")).context["action_form"]
    assert action_form is None or "make_suspended" not in str(action_form.fields["action"].choices)
    suspend_action(client, active_code, Market.objects.get(code="AU"))
    assert active_code.market_statuses.get().status == CodeStatus.ACTIVE
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(admin_url(Market, "add")).status_code == 403


def test_administrator_suspends_a_code_with_a_reason(administrator, client, active_code):
    client.force_login(administrator)
    response = suspend_action(client, active_code, Market.objects.get(code="AU"))
    assert response.status_code == 200
    status = active_code.market_statuses.get()
    assert status.status == CodeStatus.SUSPENDED
    change = active_code.status_changes.last()
    assert (change.reason, change.reference, change.recorded_by) == (
        "Thông báo không tuân thủ",
        "GACC-2024-17",
        administrator,
    )
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_status_action_form_shows_refusals(administrator, client):
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au)
    set_status(code, CodeStatus.REVOKED, au)
    client.force_login(administrator)
    response = suspend_action(client, code, au)
    assert (
        "revocation is final" in response.content.decode() or "thu hồi" in response.content.decode()
    )
    assert code.market_statuses.get().status == CodeStatus.REVOKED
