"""Administrators manage users but cannot grant what they do not hold."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

pytestmark = pytest.mark.django_db


def change_form_data(user, **changes):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "08:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def office(administrator):
    client = Client()
    client.force_login(administrator)
    return client


def test_an_administrator_cannot_make_anyone_a_superuser(office, administrator):
    url = f"/admin/auth/user/{administrator.pk}/change/"
    response = office.post(url, change_form_data(administrator, is_superuser="on"))
    assert response.status_code == 302
    administrator.refresh_from_db()
    assert not administrator.is_superuser


def test_an_administrator_cannot_grant_a_permission_they_lack(office, data_entry):
    outside = Permission.objects.get(codename="delete_session")
    url = f"/admin/auth/user/{data_entry.pk}/change/"
    response = office.post(url, change_form_data(data_entry, user_permissions=[outside.pk]))
    assert response.status_code == 200, "the form refuses the choice"
    assert "user_permissions" in response.context["adminform"].form.errors
    assert not data_entry.user_permissions.filter(pk=outside.pk).exists()

    group = Group.objects.create(name="Sessions")
    group.permissions.add(outside)
    response = office.post(url, change_form_data(data_entry, groups=[group.pk]))
    assert response.status_code == 200 and "groups" in response.context["adminform"].form.errors
    response = office.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "Renamed", "permissions": []}
    )
    assert response.status_code == 403, "nor change a group that carries more than they hold"
    group.refresh_from_db()
    assert group.name == "Sessions" and group.permissions.filter(pk=outside.pk).exists()


def test_what_a_user_has_beyond_the_editor_is_kept(office, data_entry):
    outside = Permission.objects.get(codename="delete_session")
    data_entry.user_permissions.add(outside)
    url = f"/admin/auth/user/{data_entry.pk}/change/"
    response = office.post(url, change_form_data(data_entry, user_permissions=[], email="a@b.vn"))
    assert response.status_code == 302
    data_entry.refresh_from_db()
    assert data_entry.email == "a@b.vn"
    assert data_entry.user_permissions.filter(pk=outside.pk).exists()


def test_an_administrator_cannot_touch_a_superusers_account(office, admin_user):
    url = f"/admin/auth/user/{admin_user.pk}/change/"
    response = office.post(url, change_form_data(admin_user, is_active=None, email="x@y.vn"))
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.email != "x@y.vn"
    response = office.post(f"/admin/auth/user/{admin_user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_a_superuser_still_can(admin_user, data_entry):
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/auth/user/{data_entry.pk}/change/"
    assert client.post(url, change_form_data(data_entry, is_superuser="on")).status_code == 302
    data_entry.refresh_from_db()
    assert data_entry.is_superuser


def test_token_keys_are_shown_once_and_never_listed(office, data_entry):
    from rest_framework.authtoken.models import Token

    response = office.post("/admin/registry/apitoken/add/", {"user": data_entry.pk}, follow=True)
    assert response.status_code == 200
    key = Token.objects.get(user=data_entry).key
    assert key in response.text, "shown once, to whoever created it"

    for url in (
        "/admin/registry/apitoken/",
        f"/admin/registry/apitoken/{data_entry.pk}/change/",
        "/admin/",
        "/admin/authtoken/tokenproxy/",
    ):
        page = office.get(url)
        assert key not in page.text, url
    assert office.get("/admin/authtoken/tokenproxy/").status_code == 404, "DRF's list is gone"
    assert data_entry.username in office.get("/admin/registry/apitoken/").text


def _with_history(user):
    """A cooperative whose audit history names ``user`` as the one who changed it."""
    from tests import factories

    cooperative = factories.CooperativeFactory()
    cooperative._history_user = user
    cooperative.name += " (sửa)"
    cooperative.save()
    assert cooperative.history.filter(history_user=user).count() == 1
    return cooperative


def test_a_user_named_in_the_audit_history_is_kept_with_a_reason(admin_user, data_entry):
    """The history is append-only, so deleting its author would fail in the database: the
    delete page says why and deletes nothing, the single view and the list action alike."""
    _with_history(data_entry)
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/auth/user/{data_entry.pk}/delete/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "is named in 1 entry of the audit history: deactivate the account instead" in text
    assert 'name="post"' not in text, "no confirmation form is offered"
    assert client.post(url, {"post": "yes"}).status_code == 200
    assert User.objects.filter(pk=data_entry.pk).exists()
    answer = client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [data_entry.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert answer.status_code == 200
    assert User.objects.filter(pk=data_entry.pk).exists()


def test_a_user_without_history_can_still_be_deleted(admin_user, data_entry):
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/auth/user/{data_entry.pk}/delete/"
    assert "audit history" not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=data_entry.pk).exists()
