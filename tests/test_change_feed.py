"""The change feed (issue 13): what each change records, the API's cursor and filters, and the
guarantee under concurrent commits, on real connections that commit in the opposite order to
their start (PostgreSQL).

These tests commit (``transaction=True``): the feed serves an event only once its transaction,
and every transaction older than it, has ended."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from registry import changes
from registry.expiry import record_expiries
from registry.models import ChangeEvent, CodeStatus, Inspection, Subscription, WebhookDelivery
from registry.rules import dates
from registry.rules.tax_codes import tax_code
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    UserFactory,
    set_status,
)

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/changes/"


@pytest.fixture
def api(settings):
    settings.ALLOWED_HOSTS = ["*"]
    return APIClient()


@pytest.fixture
def au():
    return MarketFactory(code="AU")


def poll(api, cursor=None, **params):
    if cursor:
        params["after"] = cursor
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def wait_for_events(api, cursor, count, seconds=120.0, **params):
    """Poll until ``count`` events have come and return them with the last cursor. An event is
    served once every older transaction *on the server* has ended, so a long transaction of
    another database on a shared test server delays it (never reorders it)."""
    events, deadline = [], time.monotonic() + seconds
    while len(events) < count and time.monotonic() < deadline:
        caches["throttle"].clear()  # polling faster than the anonymous rate limit
        page = poll(api, cursor, **params)
        events += page["results"]
        cursor = page["cursor"]
        if len(events) < count:
            time.sleep(0.1)
    assert len(events) == count, events
    return events, cursor


# --- What is recorded ------------------------------------------------------------------------


def test_each_kind_of_change_records_its_event_with_its_keys(api, au):
    cooperative = CooperativeFactory(tax_code=tax_code(42))
    code = AreaCodeFactory(code="VN-SLOR-0042", cooperative=cooperative)
    house = PackingHouseFactory(code="VN-SLPH-0042")
    set_status(code, CodeStatus.ACTIVE, au)
    set_status(code, CodeStatus.REVOKED, au, on=date(2024, 3, 1))
    Inspection.objects.create(
        packing_house=house,
        inspected_on=date(2024, 2, 15),
        inspecting_body="Chi cục",
        kind="periodic",
        result="non_compliant",
    )
    events, _cursor = wait_for_events(api, None, 5)
    assert [(e["kind"], e["subject"]) for e in events] == [
        ("new_code", "VN-SLOR-0042"),
        ("new_code", "VN-SLPH-0042"),
        ("status_change", "VN-SLOR-0042"),
        ("revocation", "VN-SLOR-0042"),
        ("inspection_result", "VN-SLPH-0042"),
    ]
    registered, revoked = events[2], events[3]
    assert registered | {"id": None, "cursor": None, "recorded_at": None} == {
        "id": None,
        "cursor": None,
        "recorded_at": None,
        "kind": "status_change",
        "subject_type": "area_code",
        "subject": "VN-SLOR-0042",
        "market": "AU",
        "province": "14",
        "crop": "longan",
        "cooperative": tax_code(42),
        "effective_on": "2024-02-01",
        "details": {
            "from_status": "",
            "to_status": "active",
            "source": "registration",
            "reference": "",
        },
    }
    assert revoked["details"]["from_status"] == "active"
    assert "test" not in str(events), "the free-text reason stays on the code's timeline"
    assert events[4]["details"]["result"] == "non_compliant"
    assert events[4]["details"]["reference"].startswith("INS-")


def test_a_certificate_expiry_records_the_expiry_and_the_suspensions_it_causes(api, au):
    certificate = CertificateFactory(
        issued_on=dates.add_months(dates.today(), -24),
        expires_on=dates.today() - timedelta(days=2),
    )
    code = AreaCodeFactory(
        certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
    )
    set_status(code, CodeStatus.ACTIVE, au, on=certificate.issued_on)
    _events, cursor = wait_for_events(api, None, 2)
    record_expiries()
    events, _ = wait_for_events(api, cursor, 2)
    assert [(e["kind"], e["subject"]) for e in events] == [
        ("status_change", code.code),
        ("certificate_expiry", certificate.number),
    ]
    assert events[0]["details"]["source"] == "certificate_expiry"
    assert events[1]["cooperative"] == certificate.cooperative.tax_code


def test_a_rolled_back_change_records_nothing_and_the_feed_is_append_only(au):
    code = AreaCodeFactory()
    before = ChangeEvent.objects.count()

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        set_status(code, CodeStatus.ACTIVE, au)
        assert ChangeEvent.objects.count() == before + 1
        raise RolledBack
    assert ChangeEvent.objects.count() == before
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ChangeEvent.objects.update(subject_code="rewritten")


# --- The API: cursor, pages, filters, errors -------------------------------------------------


def test_pages_follow_the_cursor_and_an_empty_page_keeps_it(api, au):
    codes = [AreaCodeFactory() for _ in range(5)]
    wait_for_events(api, None, 5)
    first = poll(api, limit=2)
    assert [e["subject"] for e in first["results"]] == [c.code for c in codes[:2]]
    assert first["more"] is True and first["cursor"] == first["results"][-1]["cursor"]
    second = APIClient().get(first["next"]).json()
    assert [e["subject"] for e in second["results"]] == [c.code for c in codes[2:4]]
    last = poll(api, second["cursor"])
    assert [e["subject"] for e in last["results"]] == [codes[4].code]
    assert last["more"] is False
    empty = poll(api, last["cursor"])
    assert empty["results"] == [] and empty["cursor"] == last["cursor"]
    assert changes.current_cursor() == last["cursor"]


def test_filters_by_market_province_crop_cooperative_kind_and_code(api, au):
    us = MarketFactory(code="US")
    mango = CropFactory(slug="mango", name_vi="Xoài", name_en="Mango")
    cooperative = CooperativeFactory()
    longan_code = AreaCodeFactory()
    mango_code = AreaCodeFactory(crop=mango, cooperative=cooperative)
    set_status(longan_code, CodeStatus.ACTIVE, au)
    set_status(mango_code, CodeStatus.ACTIVE, us)
    wait_for_events(api, None, 4)

    def subjects(**params):
        return [(e["kind"], e["subject"]) for e in poll(api, **params)["results"]]

    assert subjects(market="US", kind="status_change") == [("status_change", mango_code.code)]
    # a new code concerns no single market: every market filter keeps it
    assert ("new_code", longan_code.code) in subjects(market="US")
    assert {s for _k, s in subjects(crop="mango")} == {mango_code.code}
    assert {s for _k, s in subjects(cooperative=cooperative.tax_code)} == {mango_code.code}
    assert len(subjects(province="14")) == 4 and subjects(province="01") == []
    assert subjects(code=longan_code.code.lower(), kind="new_code") == [
        ("new_code", longan_code.code)
    ]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"after": "not a cursor"}, "after"),
        ({"after": "MTIz"}, "after"),  # base64 of "123": no position
        ({"after": "LTEuNQ"}, "after"),  # "-1.5"
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"market": "XX"}, "market"),
        ({"crop": "durian"}, "crop"),
        ({"kind": "deletion"}, "kind"),
        ({"offset": "10"}, "offset"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, au, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


# --- An inspection's markets (registry.inspection_feed) -------------------------------------


def test_an_inspection_reaches_only_the_watchers_of_its_markets(api, au, admin_client):
    """Added in the admin for AU only, on a code registered for AU and US: the feed's, the
    Atom feed's and the subscriptions' ``market`` filters keep it from US's watchers."""
    us = MarketFactory(code="US")
    owner = UserFactory(username="exporter")
    watchers = {
        market: Subscription.objects.create(
            owner=owner, name=market, market_code=market, url="https://example.com/hook"
        )
        for market in ("AU", "US")
    }
    code = AreaCodeFactory(code="VN-SLOR-0042")
    set_status(code, CodeStatus.ACTIVE, au, us)
    _events, cursor = wait_for_events(api, None, 3)  # the new code, its two registrations
    response = admin_client.post(
        reverse("admin:registry_inspection_add"),
        {
            "area_code": code.pk,
            "inspected_on": "2025-03-01",
            "kind": "periodic",
            "result": "non_compliant",
            "inspecting_body": "Chi cục TT&BVTV Sơn La",
            "markets": [au.pk],
            "samples-TOTAL_FORMS": "0",
            "samples-INITIAL_FORMS": "0",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    [event], _ = wait_for_events(api, cursor, 1)
    assert (event["kind"], event["subject"], event["market"]) == (
        "inspection_result",
        "VN-SLOR-0042",
        "AU",
    )
    assert poll(api, cursor, market="US")["results"] == []
    assert [e["id"] for e in poll(api, cursor, market="AU")["results"]] == [event["id"]]
    assert [e["id"] for e in poll(api, cursor, market=["US", "AU"])["results"]] == [event["id"]]

    atom = Client().get("/feeds/changes.atom", {"lang": "en", "kind": "inspection_result"})
    assert b"VN-SLOR-0042, market AU: inspection result (non-compliant)" in atom.content
    atom = Client().get(
        "/feeds/changes.atom", {"lang": "en", "kind": "inspection_result", "market": "US"}
    )
    assert atom.status_code == 200 and b"VN-SLOR-0042" not in atom.content

    recorded = ChangeEvent.objects.get(pk=event["id"])
    assert watchers["AU"].matches(recorded) and not watchers["US"].matches(recorded)
    if connection.vendor == "postgresql":  # the webhooks' fan-out (its queue is PostgreSQL's)
        from registry import webhooks

        webhooks.fan_out([recorded.pk])
        deliveries = WebhookDelivery.objects.filter(event=recorded)
        assert [d.subscription.name for d in deliveries] == ["AU"]


# --- The guarantee under concurrent commits (PostgreSQL) -------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids are PostgreSQL's")
def test_transactions_committing_in_the_opposite_order_are_each_seen_exactly_once(api, au):
    """A starts writing first and commits last; B starts after A and commits first. While A
    is open the poller sees neither (B's event would otherwise move the cursor past A's,
    and A's would then be missed); after A commits it sees both, once, A's first."""
    first, second = AreaCodeFactory(), AreaCodeFactory()
    _events, cursor = wait_for_events(api, None, 2)
    a_wrote, a_may_commit = threading.Event(), threading.Event()
    errors = []

    def writer(code, before=None, wrote=None, hold=None):
        try:
            if before:
                assert before.wait(10)
            with transaction.atomic():
                set_status(code, CodeStatus.ACTIVE, au)
                if wrote:
                    wrote.set()
                if hold:
                    assert hold.wait(20)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    a = threading.Thread(target=writer, args=(first, None, a_wrote, a_may_commit))
    b = threading.Thread(target=writer, args=(second, a_wrote))
    a.start()
    b.start()
    b.join(20)
    assert not errors and not b.is_alive()
    assert ChangeEvent.objects.filter(subject_code=second.code).exists(), "B has committed"
    assert ChangeEvent.objects.filter(subject_code=first.code).count() == 1  # A's new code only
    while_a_is_open = poll(api, cursor)
    assert while_a_is_open["results"] == [] and while_a_is_open["cursor"] == cursor
    a_may_commit.set()
    a.join(20)
    assert not errors and not a.is_alive()
    events, cursor = wait_for_events(api, cursor, 2)
    assert [(e["subject"], e["market"]) for e in events] == [
        (first.code, "AU"),
        (second.code, "AU"),
    ]
    time.sleep(0.2)
    assert poll(api, cursor)["results"] == [], "nothing is served twice"
