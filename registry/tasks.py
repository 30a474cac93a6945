"""Background jobs (Procrastinate, on the registry's PostgreSQL; found by the
``procrastinate.contrib.django`` app, which loads every app's ``tasks`` module).

Run by ``manage.py worker`` (the "worker" service of docker-compose.yml). On SQLite the
Procrastinate app is not installed and nothing here is ever deferred: imports run in the
request (``registry.import_jobs.runs_in_background``)."""

from django.conf import settings
from django.db import close_old_connections
from procrastinate.contrib.django import app

from registry import import_jobs, webhooks
from registry.open_data import publish

QUEUE = "imports"
#: Its own queue, so that a long snapshot never holds up an import (and the other way round)
OPEN_DATA_QUEUE = "open_data"
WEBHOOKS = "webhooks"


def in_fresh_connection(run, job_id: int) -> None:
    """Sync tasks run in a worker thread: start from a usable connection, and close it
    after, so that no connection outlives its thread."""
    from django.db import connection

    close_old_connections()
    try:
        run(job_id)
    finally:
        connection.close()


@app.task(queue=QUEUE, name="registry.preview_import")
def preview_import(job_id: int) -> None:
    in_fresh_connection(import_jobs.preview, job_id)


@app.task(queue=QUEUE, name="registry.apply_import")
def apply_import(job_id: int) -> None:
    in_fresh_connection(import_jobs.apply, job_id)


@app.periodic(cron="* * * * *")
@app.task(queue=QUEUE, name="registry.recover_stalled_imports", pass_context=True)
async def recover_stalled_imports(context, timestamp: int) -> None:
    """Every minute: jobs whose worker stopped are started again (``recover_stalled``)."""
    await import_jobs.recover_stalled(context.app)


@app.periodic(cron="17 3 * * *")
@app.task(queue=QUEUE, name="registry.remove_finished_jobs", pass_context=True)
async def remove_finished_jobs(context, timestamp: int) -> None:
    """Daily: the queue's finished rows go (the every-minute recovery alone leaves 1,440 a day).
    Succeeded jobs after ``JOBS_KEEP_SUCCEEDED_HOURS``; failed, cancelled and aborted ones,
    which someone may still want to read, after ``JOBS_KEEP_FAILED_HOURS``."""
    jobs = context.app.job_manager
    await jobs.delete_old_jobs(nb_hours=settings.JOBS_KEEP_SUCCEEDED_HOURS)
    await jobs.delete_old_jobs(
        nb_hours=settings.JOBS_KEEP_FAILED_HOURS,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )


@app.periodic(cron=settings.OPEN_DATA_SCHEDULE, periodic_id="open-data-snapshot")
@app.task(queue=OPEN_DATA_QUEUE, name="registry.publish_snapshot", queueing_lock="open-data")
def publish_snapshot(timestamp: int) -> None:
    """Daily (OPEN_DATA_SCHEDULE): the open-data snapshot, as ``manage.py publish_snapshot``."""
    in_fresh_connection(lambda _: publish.publish(), timestamp)


@app.task(queue=WEBHOOKS, name="registry.fan_out_webhooks")
def fan_out(event_ids: list[int]) -> None:
    """Deferred with the events, in their transaction (``registry.webhooks.enqueue``)."""
    from django.db import connection

    close_old_connections()
    try:
        webhooks.fan_out(event_ids)
    finally:
        connection.close()


@app.task(queue=WEBHOOKS, name="registry.deliver_webhook")
def deliver(delivery_id: int) -> None:
    in_fresh_connection(webhooks.deliver, delivery_id)


@app.periodic(cron=settings.DIGEST_CRON)
@app.task(queue=WEBHOOKS, name="registry.send_digests")
def send_digests(timestamp: int) -> None:
    """Every day (``DIGEST_CRON``): the subscriptions' e-mail digests."""
    from django.db import connection

    from registry import digests

    close_old_connections()
    try:
        digests.send_digests()
    finally:
        connection.close()
