"""The data version and the answers cached under it, on PostgreSQL with real connections.

These tests commit (``transaction=True``): the version moves only when a writing transaction
commits. The concurrent parts use a second, plain psycopg connection, as a ``psql`` session or
an import worker would.
"""

import threading
import time
from datetime import date, timedelta

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from registry import answer_cache, append_only, data_version
from registry.memory_cache import BoundedMemoryCache
from registry.models import AreaCode, CodeStatus
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    MarketFactory,
    set_status,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the data version is kept by PostgreSQL"
    ),
]

API = "/api/v1"


def other_connection() -> psycopg.Connection:
    """A second session on the test database, outside Django (like ``psql``)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params, autocommit=False)
    conn.execute("SET lock_timeout = '10s'")
    return conn


def version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM registry_data_version WHERE id = 1")
        return cursor.fetchone()[0]


@pytest.fixture
def api(settings):
    settings.ALLOWED_HOSTS = ["*"]
    return APIClient()


@pytest.fixture
def au():
    return MarketFactory(code="AU")


def active_code(market, **kwargs):
    code = AreaCodeFactory(**kwargs)
    set_status(code, CodeStatus.ACTIVE, market)
    return code


# --- Writers do not wait on each other ------------------------------------------------------


def test_an_open_writing_transaction_does_not_delay_an_unrelated_status_change(au):
    cooperative = CooperativeFactory()
    code = active_code(au)
    before = version()
    holding, done = threading.Event(), threading.Event()

    def long_transaction():
        with other_connection() as conn:
            conn.execute(
                "UPDATE registry_cooperative SET phone = phone WHERE id = %s", [cooperative.pk]
            )
            holding.set()
            time.sleep(3)
            conn.commit()
        done.set()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    set_status(AreaCode.objects.get(pk=code.pk), CodeStatus.SUSPENDED, au, on=date.today())
    elapsed = time.monotonic() - started
    assert not done.is_set(), "the test must measure while the other transaction is open"
    assert elapsed < 0.5, f"the status change waited {elapsed:.2f} s for an unrelated writer"
    moved = version()
    assert moved != before, "the committed status change moved the version"
    thread.join(10)
    assert version() != moved, "the other transaction moved it again when it committed"


def _run(*steps_per_session):
    """Run each session's steps in its own thread and connection; return their errors."""
    errors, threads = [], []

    def session(steps):
        try:
            with other_connection() as conn:
                for step in steps:
                    step(conn)
                conn.commit()
        except Exception as error:
            errors.append(error)

    for steps in steps_per_session:
        threads.append(threading.Thread(target=session, args=(steps,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a session hung"
    return errors


@pytest.mark.parametrize("lock_first_starts", [True, False])
def test_lock_then_write_against_write_then_lock_never_deadlocks(au, lock_first_starts):
    """The pattern of an import (write rows, then lock each code) against an administrator's
    status change (lock the code, then write its history), in either order."""
    code = active_code(au)
    cooperatives = CooperativeFactory(), CooperativeFactory()
    first_wrote, second_wrote = threading.Event(), threading.Event()

    def lock_code(conn):
        conn.execute("SELECT id FROM registry_areacode WHERE id = %s FOR UPDATE", [code.pk])

    def write(cooperative):
        def step(conn):
            conn.execute(
                "UPDATE registry_cooperative SET phone = phone WHERE id = %s", [cooperative.pk]
            )

        return step

    def signal(event):
        return lambda conn: event.set()

    def wait_for(event):
        return lambda conn: event.wait(5)

    def pause(conn):
        time.sleep(0.3)

    lock_then_write = [lock_code, signal(first_wrote), wait_for(second_wrote), pause]
    lock_then_write += [write(cooperatives[0])]
    write_then_lock = [write(cooperatives[1]), signal(second_wrote), wait_for(first_wrote)]
    write_then_lock += [lock_code]
    sessions = (lock_then_write, write_then_lock)
    errors = _run(*(sessions if lock_first_starts else reversed(sessions)))
    assert errors == []


def test_status_change_service_against_a_writer_that_then_locks_the_code(au):
    code = active_code(au)
    cooperative = CooperativeFactory()
    errors = []
    wrote = threading.Event()

    def importer():
        try:
            with other_connection() as conn:
                conn.execute(
                    "UPDATE registry_cooperative SET phone = phone WHERE id = %s", [cooperative.pk]
                )
                wrote.set()
                time.sleep(0.5)  # the status change takes the code's lock meanwhile
                conn.execute("SELECT id FROM registry_areacode WHERE id = %s FOR UPDATE", [code.pk])
                conn.commit()
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=importer)
    thread.start()
    assert wrote.wait(5)
    set_status(AreaCode.objects.get(pk=code.pk), CodeStatus.SUSPENDED, au, on=date.today())
    thread.join(30)
    assert errors == []
    assert AreaCode.objects.get(pk=code.pk).market_statuses.get().status == CodeStatus.SUSPENDED


# --- Which writes move it -------------------------------------------------------------------


def test_every_registry_table_has_the_version_trigger():
    tables = data_version.tracked_tables()
    assert "registry_areacode" in tables and "registry_historicalareacode" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name = event_object_table || %s",
            [data_version.TRIGGER_SUFFIX],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert set(tables) - triggered == set()


def test_every_registry_table_moves_the_version_and_a_zero_row_statement_does_not(au):
    from django.apps import apps
    from django.core.management import call_command

    call_command("load_sample_data", verbosity=0)
    from django.contrib.auth import get_user_model

    from registry.models import ChangeEvent, ImportJob, Subscription, WebhookDelivery

    ImportJob.objects.create(  # the sample data has no spreadsheet import
        resource="area-codes",
        file_name="0" * 32,
        file_format=0,
        user=get_user_model().objects.create_user("importer"),
    )
    from registry.models import CapacityClearance, Season

    flagged = Season.objects.order_by("pk").first()  # nor a cleared capacity flag
    CapacityClearance.objects.create(
        season=flagged, note="x", area_ha=1, expected_tonnes=1, declared_tonnes=1
    )
    subscription = Subscription.objects.create(  # nor subscriptions and their deliveries
        owner=get_user_model().objects.create_user("subscriber"), name="watch", email_digest=True
    )
    WebhookDelivery.objects.create(subscription=subscription, event=ChangeEvent.objects.first())
    key_of = {
        model._meta.db_table: model._meta.pk.column
        for model in apps.get_app_config("registry").get_models(include_auto_created=True)
    }
    for table in data_version.tracked_tables():
        key = key_of[table]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min({key}) FROM {table}")
            row_key = cursor.fetchone()[0]
        assert row_key is not None, f"the sample data leaves {table} empty; add a row"
        before = version()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {key} = {key} WHERE false")
        assert version() == before, f"a zero-row statement on {table} moved the version"
        with transaction.atomic(), connection.cursor() as cursor:
            if table in append_only.history_tables():  # history refuses UPDATE: lift that
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            cursor.execute(f"UPDATE {table} SET {key} = {key} WHERE {key} = %s", [row_key])
            if table in append_only.history_tables():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        assert version() != before, f"a write to {table} did not move the version"


def test_the_version_moves_once_per_transaction_and_not_on_rollback(au):
    code = active_code(au)
    before = version()
    with other_connection() as conn:
        for _ in range(3):
            conn.execute(
                "UPDATE registry_areacode SET notes = notes || 'x' WHERE id = %s", [code.pk]
            )
        conn.rollback()
    assert version() == before
    with other_connection() as conn:
        for _ in range(3):
            conn.execute(
                "UPDATE registry_areacode SET notes = notes || 'x' WHERE id = %s", [code.pk]
            )
        assert version() == before, "nothing moves before the commit"
        conn.commit()
    after = version()
    assert after != before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_data_change")
        assert cursor.fetchone()[0] == 0, "the per-transaction marker is cleared at commit"


def test_a_transaction_that_wrote_reads_no_cached_answer(au, api):
    """Inside a writing transaction the version has not moved yet: nothing cached may stand
    for what that transaction sees."""

    active_code(au)
    assert data_version.current() is not None
    with transaction.atomic():
        active_code(au)
        assert data_version.current() is None
        assert answer_cache.count(AreaCode.objects.all()) == 2
    assert data_version.current() is not None


# --- Cached answers are exact ---------------------------------------------------------------


def _everything(api, code):
    listed = api.get(f"{API}/area-codes/?market=AU").json()
    detail = api.get(f"{API}/area-codes/{code}/").json()
    csv = b"".join(api.get(f"{API}/area-codes/?market=AU&format=csv").streaming_content)
    return listed, detail, csv.decode("utf-8-sig")


def test_raw_sql_changes_show_once_committed_and_never_when_rolled_back(au, api):
    code = active_code(au, variety="Hương Chi")
    active_code(au)
    listed, detail, csv = _everything(api, code.code)
    assert listed["count"] == 2 and detail["variety"] == "Hương Chi" and "Hương Chi" in csv
    assert _everything(api, code.code) == (listed, detail, csv), "served again, unchanged"

    with other_connection() as conn:
        conn.execute("UPDATE registry_areacode SET variety = 'Đường Phèn' WHERE id = %s", [code.pk])
        conn.execute("DELETE FROM registry_areacodemarket WHERE subject_id = %s", [code.pk])
        conn.rollback()
    assert _everything(api, code.code) == (listed, detail, csv), "a rollback changes nothing"

    with other_connection() as conn:
        conn.execute("UPDATE registry_areacode SET variety = 'Đường Phèn' WHERE id = %s", [code.pk])
        conn.commit()
    listed, detail, csv = _everything(api, code.code)
    assert listed["count"] == 2
    assert {row["variety"] for row in listed["results"]} == {"Đường Phèn", ""}
    assert detail["variety"] == "Đường Phèn" and "Đường Phèn" in csv

    with other_connection() as conn:
        conn.execute("DELETE FROM registry_areacodemarket WHERE subject_id = %s", [code.pk])
        conn.commit()
    listed, _, csv = _everything(api, code.code)
    assert listed["count"] == 1 and "Đường Phèn" not in csv


def test_cached_pages_link_to_the_host_that_asked(au, api):
    for _ in range(3):
        active_code(au)
    url = f"{API}/area-codes/?market=AU&limit=1"
    first = api.get(url, HTTP_HOST="a.example").json()
    second = api.get(url, HTTP_HOST="b.example", secure=True).json()
    assert first["next"].startswith("http://a.example/")
    assert second["next"].startswith("https://b.example/")
    assert first["results"] == second["results"]


def test_spellings_of_the_same_filter_share_one_cache_entry(au, api):
    active_code(au)
    answers = caches[answer_cache.ALIAS]
    answers.clear()
    assert api.get(f"{API}/area-codes/?market=AU").status_code == 200
    entries = len(answers._cache)
    assert entries == 2, "the count and the page"
    for spelling in ("?market=au", "?market=AU,AU", "?market=AU&offset=0", "?limit=50&market=AU"):
        assert api.get(f"{API}/area-codes/{spelling}").status_code == 200
    assert len(answers._cache) == entries


def test_a_cached_page_is_not_served_after_midnight(au, api, monkeypatch):
    day = date(2026, 3, 10)
    certificate = CertificateFactory(issued_on=date(2025, 3, 11), expires_on=day)
    active_code(au, certificate=certificate, cooperative=certificate.cooperative)
    url = f"{API}/area-codes/?market=AU"

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    on_the_day = api.get(url).json()["results"][0]["certificate"]["validity"]
    assert api.get(url).json()["results"][0]["certificate"]["validity"] == on_the_day
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day + timedelta(days=1))
    after_midnight = api.get(url).json()["results"][0]["certificate"]["validity"]
    assert (on_the_day, after_midnight) == ("expiring", "expired")


# --- The cache is bounded in bytes ----------------------------------------------------------


def test_the_answer_cache_is_bounded_in_bytes():
    cache = BoundedMemoryCache(
        "bounded-test", {"OPTIONS": {"MAX_BYTES": 100_000, "MAX_ENTRIES": 10_000}}
    )
    cache.clear()
    for index in range(100):
        cache.set(f"page-{index}", b"x" * 5_000)
        assert cache.total_bytes <= 100_000
    assert cache.get("page-99") is not None, "the newest entries stay"
    assert cache.get("page-0") is None, "the oldest went first"
    cache.set("huge", b"x" * 20_000)
    assert cache.get("huge") is None, "an entry over a tenth of the bound is not kept"
    cache.clear()
    assert cache.total_bytes == 0


def _count_and_count_queries(api, url):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        data = api.get(url).json()
    # the list's count (QuerySet.count(): "__count"), not other aggregates (the growers')
    return data["count"], sum('"__count"' in q["sql"] for q in captured)


def test_counts_are_cached_until_a_registry_write_commits(au, api):
    for _ in range(3):
        active_code(au)
    url = f"{API}/area-codes/?market=AU"
    assert _count_and_count_queries(api, url) == (3, 1)
    assert _count_and_count_queries(api, url) == (3, 0), "unchanged data: the cached count"
    active_code(au)
    assert _count_and_count_queries(api, url) == (4, 1), "a status change invalidates it"
    assert _count_and_count_queries(api, url) == (4, 0)
