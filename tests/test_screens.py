"""The admin's screens without a browser: the suspend/revoke form has no misleading default and
looks like the admin's own forms, every admin page carries the registry's stylesheet, and the
header switches the language. (tests/test_browser.py measures the pages in Chromium.)"""

import unicodedata

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from registry.admin.status_actions import StatusChangeForm
from registry.models import AreaCode, CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_code():
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au)
    return code


def status_action(client, code, *, apply=True, **fields):
    data = {"action": "make_suspended", "_selected_action": [code.pk]}
    if apply:
        data["apply"] = "1"
    data.update(fields)
    return client.post(reverse("admin:registry_areacode_changelist"), data)


def test_the_source_has_no_default_and_must_be_chosen():
    form = StatusChangeForm()
    source = form.fields["source"]
    assert source.required
    assert source.choices[0] == ("", "---------")
    assert form["source"].value() in (None, "")
    assert 'value="" selected' in str(form["source"])


def test_the_status_form_opens_with_nothing_chosen_as_the_source(
    administrator, client, active_code
):
    client.force_login(administrator)
    response = status_action(client, active_code, apply=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="" selected>---------</option>' in html
    # The admin's form layout: aligned rows, one per field, and a submit row.
    assert 'class="module aligned' in html
    for field in ("markets", "effective_on", "reason", "source", "reference"):
        assert f"field-{field}" in html
    assert 'class="submit-row"' in html
    assert "admin/css/forms.css" in html
    assert "errornote" not in html


def test_suspending_without_a_source_is_refused_and_changes_nothing(
    administrator, client, active_code
):
    client.force_login(administrator)
    history = active_code.status_changes.count()
    response = status_action(
        client,
        active_code,
        markets=[active_code.market_statuses.get().market.pk],
        effective_on="2024-05-01",
        reason="Thông báo không tuân thủ",
        reference="GACC-2024-17",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "source": [str(StatusChangeForm.base_fields["source"].error_messages["required"])]
    }
    html = response.content.decode()
    assert "errornote" in html
    assert str(form.errors["source"][0]) in html
    code = AreaCode.objects.get(pk=active_code.pk)
    assert code.market_statuses.get().status == CodeStatus.ACTIVE
    assert code.status_changes.count() == history


def test_with_a_source_the_same_form_suspends(administrator, client, active_code):
    client.force_login(administrator)
    response = status_action(
        client,
        active_code,
        markets=[active_code.market_statuses.get().market.pk],
        effective_on="2024-05-01",
        reason="Thông báo không tuân thủ",
        source="local_inspection",
    )
    assert response.status_code == 302
    change = active_code.status_changes.order_by("id").last()
    assert (change.to_status, change.source) == (CodeStatus.SUSPENDED, "local_inspection")


def test_every_admin_page_carries_the_registry_stylesheet(administrator, client, active_code):
    assert finders.find("registry/admin.css")
    pages = [
        reverse("admin:index"),
        reverse("admin:registry_areacode_changelist"),
        reverse("admin:registry_areacode_change", args=[active_code.pk]),
        reverse("admin:registry_areacode_history", args=[active_code.pk]),
        reverse("admin:registry_areacode_import"),
    ]
    client.force_login(administrator)
    responses = {url: client.get(url) for url in pages}
    client.logout()
    responses["login"] = client.get(reverse("admin:login"))
    for url, response in responses.items():
        html = response.content.decode()
        assert response.status_code == 200 and "registry/admin.css" in html, url
        # After Django's responsive.css, so that equal selectors resolve in its favour.
        assert html.index("admin/css/responsive.css") < html.index("registry/admin.css"), url


def test_the_dashboard_tables_scroll_in_their_own_box(administrator, client, active_code):
    client.force_login(administrator)
    html = client.get(reverse("admin:index")).content.decode()
    for table in ("market-counts", "expiring-certificates"):
        module = html[html.index(f'id="{table}"') :]
        assert module.index('class="registry-scroll"') < module.index("<table")


def test_the_header_switches_to_english_and_back(administrator, client):
    client.force_login(administrator)
    index = reverse("admin:index")
    vietnamese = client.get(index).content.decode()
    assert '<html lang="vi"' in vietnamese
    assert 'id="language-switch"' in vietnamese
    assert 'value="en" lang="en">English</button>' in vietnamese

    response = client.post(reverse("set_language"), {"language": "en", "next": index})
    assert response.status_code == 302 and response["Location"] == index
    english = client.get(index).content.decode()
    assert '<html lang="en"' in english
    assert "Growing-area codes per market" in english
    # Each language named in itself (Django's own names; its "Tiếng Việt" is decomposed).
    assert 'value="vi" lang="vi">Tiếng Việt</button>' in unicodedata.normalize("NFC", english)

    client.post(reverse("set_language"), {"language": "vi", "next": index})
    assert '<html lang="vi"' in client.get(index).content.decode()
