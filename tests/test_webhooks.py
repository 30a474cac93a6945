"""Subscriptions and webhooks (issue 13): the owner-scoped API, the SSRF guard, the fan-out
job enqueued in the change's own transaction, and a real worker delivering to receivers that
the test starts on 127.0.0.1 (one that answers, one that fails three times first, one that
never answers)."""

import contextlib
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from rest_framework.test import APIClient

from registry import changes, roles
from registry.models import ChangeEvent, CodeStatus, Subscription, WebhookDelivery
from tests.factories import AreaCodeFactory, MarketFactory, UserFactory, set_status
from tests.test_import_jobs import start_worker

URL = "/api/v1/subscriptions/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker's queue lives in PostgreSQL"
)


def subscriber(name="exporter"):
    user = UserFactory(username=name, is_staff=False)
    user.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))
    client = APIClient()
    client.force_authenticate(user)
    return user, client


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as the README shows it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"]) and (
        abs(time.time() - timestamp) <= tolerance
    )


# --- The API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_subscriber_manages_only_their_own_subscriptions_and_sees_the_secret_once():
    AreaCodeFactory(code="VN-SLOR-0101")
    MarketFactory(code="CN")
    owner, client = subscriber()
    created = client.post(
        URL,
        {"name": "Longan for China", "codes": ["vn-slor-0101"], "url": "https://8.8.8.8/hook"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["codes"] == ["VN-SLOR-0101"]
    pk = created.json()["id"]
    assert "secret" not in client.get(f"{URL}{pk}/").json()
    assert [s["id"] for s in client.get(URL).json()["results"]] == [pk]

    _other, other_client = subscriber("someone-else")
    assert other_client.get(URL).json()["results"] == []
    assert other_client.get(f"{URL}{pk}/").status_code == 404
    assert other_client.delete(f"{URL}{pk}/").status_code == 404

    staff = APIClient()
    staff.force_authenticate(UserFactory(username="staff"))
    staff_user = staff.handler._force_user
    staff_user.groups.add(Group.objects.get(name=roles.STAFF))
    assert staff.get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)

    filtered = client.post(
        URL,
        {"name": "All AU longan", "market": "cn", "crop": "longan", "email_digest": True},
        format="json",
    )
    assert filtered.status_code == 201, filtered.content
    assert Subscription.objects.get(pk=filtered.json()["id"]).market_code == "CN"
    assert Subscription.objects.filter(owner=owner).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "http://8.8.8.8/hook",
        "ftp://8.8.8.8/hook",
        "https://user:pw@8.8.8.8/hook",
    ],
)
def test_private_addresses_and_plain_http_are_refused_naming_url(url):
    _user, client = subscriber()
    response = client.post(URL, {"name": "x", "url": url}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["url"] or "url" in response.json()


@pytest.mark.django_db
def test_unknown_keys_and_a_subscription_without_delivery_are_400s():
    _user, client = subscriber()
    for body, field in [
        ({"name": "x", "codes": ["VN-XXOR-9999"], "email_digest": True}, "codes"),
        ({"name": "x", "market": "ZZ", "email_digest": True}, "market"),
        ({"name": "x", "crop": "durian", "email_digest": True}, "crop"),
        ({"name": "x"}, "url"),
    ]:
        response = client.post(URL, body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())


# --- Enqueued in the change's own transaction ------------------------------------------------


def fan_out_jobs():
    from procrastinate.contrib.django.models import ProcrastinateJob

    return list(
        ProcrastinateJob.objects.filter(task_name="registry.fan_out_webhooks").values_list(
            "args", flat=True
        )
    )


@on_postgresql
@pytest.mark.django_db
def test_a_rolled_back_change_enqueues_nothing_and_a_committed_one_its_events():
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    before = len(fan_out_jobs())

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        set_status(code, CodeStatus.ACTIVE, au)
        assert len(fan_out_jobs()) == before + 1
        raise RolledBack
    assert len(fan_out_jobs()) == before
    set_status(code, CodeStatus.ACTIVE, au)
    event = ChangeEvent.objects.get(kind="status_change", subject_code=code.code)
    assert fan_out_jobs()[-1] == {"event_ids": [event.pk]}


# --- A real worker and receivers on loopback -------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """``/ok`` answers 200; ``/flaky`` 500 three times, then 200; ``/silent`` never answers."""

    daemon_threads = True

    def __init__(self):
        self.received: dict[str, list[tuple[dict, bytes]]] = {"ok": [], "flaky": [], "silent": []}
        self.flaky_failures = 0
        self.stop_silence = threading.Event()
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    def url(self, name):
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        name = self.path.strip("/")
        self.server.received[name].append((dict(self.headers), body))
        if name == "silent":
            self.server.stop_silence.wait(30)
            return
        status = 200
        if name == "flaky" and self.server.flaky_failures < 3:
            self.server.flaky_failures += 1
            status = 500
        self.send_response(status)
        self.end_headers()
        with contextlib.suppress(OSError):  # the registry stops reading at its cap
            self.wfile.write(b"thanks" * 100_000)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stop_silence.set()
    server.shutdown()


def wait_for(condition, seconds=90.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_signed_retries_and_gives_up(receiver, settings, tmp_path):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    au = MarketFactory(code="AU")
    code = AreaCodeFactory(code="VN-SLOR-0202")
    _owner, client = subscriber()
    secrets = {}
    for name in ("ok", "flaky", "silent"):
        answer = client.post(
            URL, {"name": name, "codes": [code.code], "url": receiver.url(name)}, format="json"
        )
        assert answer.status_code == 201, answer.content
        secrets[name] = answer.json()["secret"]
    set_status(code, CodeStatus.ACTIVE, au)
    worker = start_worker(
        tmp_path,
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1",
        WEBHOOK_RETRY_BASE_SECONDS="0.2",
        WEBHOOK_RETRY_FOR_SECONDS="6",
        WORKER_POLL_SECONDS="0.1",
        WEBHOOK_TIMEOUT_SECONDS="0.5",
        IMPORT_WORKER_NICE="0",
    )
    try:
        wait_for(
            lambda: (
                WebhookDelivery.objects.count() == 3
                and not WebhookDelivery.objects.filter(status="pending").exists()
            )
        )
    finally:
        worker.terminate()
        _out, err = worker.communicate(timeout=30)
    deliveries = {
        d.subscription.name: d for d in WebhookDelivery.objects.select_related("subscription")
    }
    assert (deliveries["ok"].status, deliveries["ok"].attempts) == ("delivered", 1), err[-2000:]
    assert deliveries["ok"].response_code == 200
    ((headers, body),) = receiver.received["ok"]
    assert verify(secrets["ok"], headers["X-Registry-Signature"], body)
    assert not verify(secrets["flaky"], headers["X-Registry-Signature"], body)
    sent = json.loads(body)
    assert sent["event"]["subject"] == code.code and sent["event"]["kind"] == "status_change"
    event = ChangeEvent.objects.get(subject_code=code.code, kind="status_change")
    assert sent["event"] == changes.as_dict(event), "the API's representation of the event"

    assert (deliveries["flaky"].status, deliveries["flaky"].attempts) == ("delivered", 4)
    assert len(receiver.received["flaky"]) == 4

    silent = deliveries["silent"]
    assert silent.status == "failed" and silent.response_code is None
    assert 2 <= silent.attempts <= 6 and "timed out" in silent.error.lower()

    listed = client.get(f"{URL}{silent.subscription_id}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"]) for d in listed] == [("failed", silent.attempts)]


# --- The subscriber's own page ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_adds_and_removes_only_the_owners_subscriptions(client):
    AreaCodeFactory(code="VN-SLOR-0303")
    owner, _api = subscriber()
    client.force_login(owner)
    empty = client.get("/subscriptions/", HTTP_ACCEPT_LANGUAGE="vi")
    assert empty.status_code == 200 and "Chưa có" in empty.content.decode()
    assert "default-src 'self'" in empty["Content-Security-Policy"]
    assert "<style" not in empty.content.decode(), "its style is a file the app serves"

    refused = client.post("/subscriptions/?lang=en", {"name": "x", "url": "https://10.0.0.1/hook"})
    assert refused.status_code == 400 and "url:" in refused.content.decode()
    added = client.post(
        "/subscriptions/?lang=en",
        {"name": "Watch 0303", "codes": "vn-slor-0303", "url": "https://8.8.8.8/hook"},
    )
    page = added.content.decode()
    subscription = Subscription.objects.get(owner=owner)
    assert added.status_code == 200 and subscription.secret in page and "Watch 0303" in page
    assert subscription.secret not in client.get("/subscriptions/").content.decode()

    other, _ = subscriber("other")
    client.force_login(other)
    assert "Watch 0303" not in client.get("/subscriptions/").content.decode()
    assert client.post(f"/subscriptions/{subscription.pk}/delete/").status_code == 404
    client.force_login(owner)
    assert client.post(f"/subscriptions/{subscription.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()

    client.force_login(UserFactory(username="no-role", is_staff=False))
    assert client.get("/subscriptions/").status_code == 403
    client.logout()
    assert client.get("/subscriptions/")["Location"].startswith("/accounts/login/")


# --- The admin -------------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db
def test_send_again_in_the_admin_starts_a_failed_delivery_over(admin_client):
    from procrastinate.contrib.django.models import ProcrastinateJob

    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    owner, _client = subscriber()
    subscription = Subscription.objects.create(
        owner=owner, name="watch", codes=[code.code], url="https://8.8.8.8/hook"
    )
    set_status(code, CodeStatus.ACTIVE, au)
    event = ChangeEvent.objects.get(kind="status_change")
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event=event, status="failed", attempts=9
    )
    listed = admin_client.get("/admin/registry/webhookdelivery/")
    assert listed.status_code == 200
    response = admin_client.post(
        "/admin/registry/webhookdelivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is None
    assert ProcrastinateJob.objects.filter(
        task_name="registry.deliver_webhook", args__delivery_id=delivery.pk
    ).exists()
    page = admin_client.get(f"/admin/registry/subscription/{subscription.pk}/change/")
    assert page.status_code == 200 and subscription.secret not in page.content.decode()
