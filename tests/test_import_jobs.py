"""Imports as jobs (issue 11): the preview page (counts, errors, changed rows a page at a
time), the job enqueued in the same transaction as its record, the progress endpoint, a real
worker process previewing and applying a file, and a worker killed in the middle of an
application (nothing half-applied; the next worker starts it again and finishes it)."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse

from registry import import_jobs
from registry.models import AreaCode, ImportJob, ImportState
from registry.rules.tax_codes import tax_code
from tests.api_world import build_world

ROOT = Path(__file__).resolve().parent.parent
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker's queue lives in PostgreSQL"
)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_TMP_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def area_codes(n: int, start: int = 5000, variety: str = "Nhãn", bad: set[int] = frozenset()):
    lines = ["code,crop,cooperative,variety,area (ha),commune code,issue date,status AU"]
    for i in range(n):
        area = "-1" if i in bad else "12.5"
        lines.append(
            f"VN-SLOR-{start + i:04d},longan,{tax_code(1)},{variety},{area},04204,2026-01-10,active"
        )
    return ("\n".join(lines) + "\n").encode()


FILE_CODES = r"^VN-SLOR-[5-8][0-9]{3}$"  # the codes area_codes() writes; the world has others


def imported():
    return AreaCode.objects.filter(code__regex=FILE_CODES)


def upload(client, content: bytes, follow=True):
    file = io.BytesIO(content)
    file.name = "rows.csv"
    return client.post(
        reverse("admin:registry_areacode_import"),
        {"resource": "0", "format": "0", "import_file": file},
        follow=follow,
    )


def confirm(client, job):
    return client.post(reverse("admin:registry_areacode_process_import"), {"job": job.pk})


# --- The preview page ------------------------------------------------------------------------


def test_preview_shows_counts_errors_first_and_changed_rows_by_page(admin_client, world):
    preview = upload(admin_client, area_codes(230, bad={7, 150}))
    assert preview.context["counts"] == {"new": 228, "update": 0, "skip": 0, "error": 2}
    page = preview.content.decode()
    assert page.index('id="import-counts"') < page.index('id="import-problems"')
    assert page.index('id="import-problems"') < page.index('id="import-changes"')
    assert [p["row"] for p in preview.context["problems_page"]] == [8, 151]
    changes = preview.context["changes_page"]
    assert len(changes) == 100 and changes[0]["key"] == "VN-SLOR-5000"
    assert changes.paginator.num_pages == 3
    third = admin_client.get(preview.request["PATH_INFO"], {"page": "3"})
    assert [c["key"] for c in third.context["changes_page"]][-1] == "VN-SLOR-5229"
    assert len(third.context["changes_page"]) == 28
    assert 'id="import-confirm"' not in page, "errors: nothing to confirm"


def test_only_changed_rows_are_listed_and_unchanged_rows_get_no_history(admin_client, world):
    done = confirm(admin_client, upload(admin_client, area_codes(20)).context["job"])
    assert done.status_code == 302
    history = AreaCode.history.count()
    changed = area_codes(20).replace(
        f"5003,longan,{tax_code(1)},Nhãn".encode(), f"5003,longan,{tax_code(1)},Xoài".encode()
    )
    preview = upload(admin_client, changed)
    assert preview.context["counts"] == {"new": 0, "update": 1, "skip": 19, "error": 0}
    [change] = preview.context["changes_page"]
    assert change["key"] == "VN-SLOR-5003"
    assert change["cells"] == [["variety", "Nhãn", "Xoài"]]
    assert confirm(admin_client, preview.context["job"]).status_code == 302
    assert AreaCode.history.count() == history + 1, "one entry, for the changed row only"
    assert AreaCode.objects.get(code="VN-SLOR-5003").variety == "Xoài"


def test_the_errors_are_capped_with_their_total(admin_client, world, settings):
    settings.IMPORT_PREVIEW_MAX_ERRORS = 3
    preview = upload(admin_client, area_codes(10, bad=set(range(10))))
    job = preview.context["job"]
    assert job.summary["problems_total"] == 10 and len(job.summary["problems"]) == 3
    assert "The first 3 of 10 errors are listed." in preview.content.decode()


def test_progress_endpoint(admin_client, world):
    job = upload(admin_client, area_codes(3)).context["job"]
    url = reverse("admin:registry_areacode_import_progress", args=[job.pk])
    answer = admin_client.get(url).json()
    assert answer == {
        "state": "previewed",
        "state_display": "previewed",
        "running": False,
        "rows_total": 3,
        "rows_done": 3,
        "errors": 0,
        "attempts": 1,
        "message": "",
    }
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.APPLYING, rows_done=1, errors_count=0
    )
    answer = admin_client.get(url).json()
    assert (answer["state"], answer["running"], answer["rows_done"]) == ("applying", True, 1)
    page = admin_client.get(reverse("admin:registry_areacode_import_job", args=[job.pk]))
    assert 'id="import-progress-bar"' in page.content.decode(), "the bar, after a reload too"


def test_small_files_and_sqlite_run_in_the_request(admin_client, world, settings):
    settings.IMPORT_IN_REQUEST_MAX_ROWS = 0 if connection.vendor == "sqlite" else 1000
    preview = upload(admin_client, area_codes(5))
    job = preview.context["job"]
    assert not job.in_background and job.state == ImportState.PREVIEWED
    assert confirm(admin_client, job).status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.counts["new"] == 5


# --- The queue (PostgreSQL) ------------------------------------------------------------------


def queued(job) -> list:
    from procrastinate.contrib.django.models import ProcrastinateJob

    return list(
        ProcrastinateJob.objects.filter(args__job_id=job.pk)
        .order_by("id")
        .values_list("task_name", "status")
    )


@on_postgresql
def test_a_large_file_is_queued_with_its_job_in_one_transaction(admin_client, world, settings):
    settings.IMPORT_IN_REQUEST_MAX_ROWS = 2
    response = upload(admin_client, area_codes(3), follow=False)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("admin:registry_areacode_import_job", args=[job.pk])
    assert (job.in_background, job.state, job.rows_total) == (True, "queued", 3)
    assert queued(job) == [("registry.preview_import", "todo")]

    class RolledBack(Exception):
        pass

    second = ImportJob(
        resource="area-codes",
        file_name=job.file_name,
        file_format=0,
        user=job.user,
        in_background=True,
    )
    with pytest.raises(RolledBack), transaction.atomic():
        import_jobs.start_preview(second)
        assert queued(second) == [("registry.preview_import", "todo")]
        raise RolledBack
    assert ImportJob.objects.count() == 1
    assert queued(second) == [], "the job went with its record"


# --- A real worker (PostgreSQL, committed data) ----------------------------------------------


def start_worker(upload_dir, *args, **env):
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "SECRET_KEY": "tests-only-not-a-secret",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IMPORT_TMP_DIR": str(upload_dir),
        "IMPORT_WORKER_HEARTBEAT_SECONDS": "0.5",
        "IMPORT_STALLED_AFTER_SECONDS": "2",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_worker_once(upload_dir, **env):
    worker = start_worker(upload_dir, "--once", **env)
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-3000:]


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_previews_and_applies(admin_client, settings, upload_dir):
    build_world()
    settings.IMPORT_IN_REQUEST_MAX_ROWS = 10
    job = upload(admin_client, area_codes(40)).context["job"]
    assert job.state == ImportState.QUEUED
    run_worker_once(upload_dir)
    job.refresh_from_db()
    assert (job.state, job.rows_done, job.counts["new"]) == ("previewed", 40, 40)
    assert confirm(admin_client, job).status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.APPLYING
    assert queued(job)[-1] == ("registry.apply_import", "todo")
    run_worker_once(upload_dir)
    job.refresh_from_db()
    assert job.state == ImportState.DONE, job.message
    assert imported().count() == 40
    assert AreaCode.history.filter(code__regex=FILE_CODES).count() == 40


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_apply_leaves_nothing_and_the_next_finishes(
    admin_client, settings, upload_dir
):
    build_world()
    settings.IMPORT_IN_REQUEST_MAX_ROWS = 10
    rows = 4000
    job = upload(admin_client, area_codes(rows)).context["job"]
    small_batches = {"IMPORT_BATCH_SIZE": "50"}
    run_worker_once(upload_dir, **small_batches)
    job.refresh_from_db()
    assert job.state == ImportState.PREVIEWED, job.message
    assert confirm(admin_client, job).status_code == 302

    worker = start_worker(upload_dir, **small_batches)
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).rows_done > 0)
        os.kill(worker.pid, signal.SIGKILL)  # mid-apply: its transaction is open
        worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    job.refresh_from_db()
    assert job.state == ImportState.APPLYING and 0 < job.rows_done < rows
    assert not imported().exists(), "nothing applied"

    time.sleep(2.5)  # the killed worker's heartbeat is now older than the stalled limit
    run_worker_once(upload_dir)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (ImportState.DONE, 2), job.message
    assert "(lần 2 trên 3)" in job.message, "written in the office's language (vi)"
    assert imported().count() == rows
    assert AreaCode.history.filter(code__regex=FILE_CODES).count() == rows, "once each"


# --- Pacing: a background import gives way to the web's requests -------------------------------


def busy_conninfo() -> str:
    import psycopg

    settings_db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings_db["NAME"],
        user=settings_db["USER"],
        host=settings_db["HOST"] or "127.0.0.1",
        port=settings_db["PORT"] or 5432,
        password=settings_db["PASSWORD"] or None,
    )


def busy_session(seconds: float):
    """Another real connection running a statement (as a web request would) for ``seconds``."""
    import threading

    import psycopg

    conninfo = busy_conninfo()
    started = threading.Event()

    def run():
        with psycopg.connect(conninfo, autocommit=True) as other:
            started.set()
            other.execute("SELECT pg_sleep(%s)", [seconds])

    thread = threading.Thread(target=run)
    thread.start()
    started.wait(10)
    time.sleep(0.3)  # its statement is running
    return thread


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_background_import_pauses_only_while_others_are_working():
    from registry.import_engine import Pacer

    pacer = Pacer(share=0.5)
    pacer.last = time.perf_counter() - 0.2  # a batch that took 0.2 s
    started = time.perf_counter()
    pacer()
    assert pacer.paused == 0 and time.perf_counter() - started < 0.15, "nobody else: full speed"

    other = busy_session(3)
    try:
        pacer.last = time.perf_counter() - 0.2
        started = time.perf_counter()
        pacer()
        assert pacer.paused == pytest.approx(0.2, abs=0.05), "works at most half the time"
        assert time.perf_counter() - started >= 0.19
    finally:
        other.join()

    # inside one long transaction (as an application runs), each check sees the others afresh
    with transaction.atomic():
        assert not Pacer(share=0.5).others_busy()
        other = busy_session(2)
        try:
            assert Pacer(share=0.5).others_busy()
        finally:
            other.join()

    # a session that ran a short statement a moment ago (a web request) counts; a second later
    # it no longer does
    import psycopg

    with psycopg.connect(busy_conninfo(), autocommit=True) as web:
        web.execute("SELECT 1")
        assert Pacer(share=0.5).others_busy()
        time.sleep(1.3)
        assert not Pacer(share=0.5).others_busy()


def test_jobs_in_the_worker_pace_themselves_and_those_in_the_request_do_not(world):
    from registry.import_engine import Pacer

    assert isinstance(import_jobs.pace_for(ImportJob(in_background=True)), Pacer)
    assert import_jobs.pace_for(ImportJob(in_background=False)) is None


# --- Housekeeping: finished jobs leave the queue's tables ------------------------------------


@on_postgresql
def test_finished_jobs_are_removed_after_their_keeping_time(db, settings):
    from types import SimpleNamespace

    from asgiref.sync import async_to_sync
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    from registry.tasks import preview_import, remove_finished_jobs

    settings.JOBS_KEEP_SUCCEEDED_HOURS, settings.JOBS_KEEP_FAILED_HOURS = 24, 72
    ids = {}
    for name, status, hours_ago in [
        ("old success", "succeeded", 30),
        ("new success", "succeeded", 2),
        ("old failure", "failed", 100),
        ("recent failure", "failed", 30),
        ("waiting", "todo", 500),
    ]:
        ids[name] = preview_import.defer(job_id=len(ids) + 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, ids[name]]
            )
            cursor.execute(
                "UPDATE procrastinate_events SET at = now() - make_interval(hours => %s)"
                " WHERE job_id = %s",
                [hours_ago, ids[name]],
            )

    async_to_sync(remove_finished_jobs.func)(SimpleNamespace(app=app), timestamp=0)

    # only this test's jobs: a reused database may keep jobs that other tests committed
    left = set(ProcrastinateJob.objects.filter(id__in=ids.values()).values_list("id", flat=True))
    assert left == {ids["new success"], ids["recent failure"], ids["waiting"]}
