"""The admin sign-in locks a user out, from one address, after repeated wrong passwords."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def sign_in(client, username, password, address="198.51.100.20"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_lock_out_the_right_one_too(admin_user, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "admin", "wrong").status_code == 200  # the form again
    locked = sign_in(client, "admin", "wrong")
    assert locked.status_code == 429
    assert sign_in(client, "admin", "password").status_code == 429, "even the right password"
    assert "15" in locked.text, "the page says how long the lock lasts"

    other_address = sign_in(Client(), "admin", "password", address="198.51.100.99")
    assert other_address.status_code == 302, "the lock is for this user from this address"


def test_administrators_see_and_lift_lockouts(admin_user, administrator, settings):
    """An Administrators-group user (not a superuser) sees the lock and lifts it with the
    admin's own delete action; the user can then sign in."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "admin", "wrong")
    attempt = AccessAttempt.objects.get(username="admin")

    office = Client()
    office.force_login(administrator)
    assert "/admin/axes/accessattempt/" in office.get("/admin/").text
    page = office.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "198.51.100.20" in page.text
    lifted = office.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert lifted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), "admin", "password").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lock(admin_user, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            LOGIN,
            {"username": "admin", "password": "wrong"},
            REMOTE_ADDR="198.51.100.20",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert response.status_code == 429
