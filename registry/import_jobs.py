"""Spreadsheet imports as jobs (``ImportJob``): created by the admin, previewed and applied in
the request (small files, SQLite) or by the background worker (``registry.tasks``).

Durability: the application of a file is one database transaction that also marks the job
done, so a worker killed in the middle leaves nothing of it behind, and the job stays
"applying" until a worker finds it stalled (its heartbeat stopped, ``recover_stalled``) and
starts it again from the beginning; after ``IMPORT_MAX_ATTEMPTS`` attempts it is failed, with
a message saying that nothing was applied.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import imports
from registry.import_engine import (
    APPLICATION_PREFIX,
    Engine,
    ImportRefused,
    Pacer,
    Throttled,
)
from registry.models import ImportJob, ImportState
from registry.tables import TABLES

logger = logging.getLogger(__name__)


def resource_for(job: ImportJob):
    return imports.RESOURCES[TABLES[job.resource].model]()


def storage_for(job: ImportJob) -> imports.UploadStorage:
    storage = imports.UploadStorage(name=job.file_name, read_mode="rb")
    storage.claimed = job.state in (ImportState.APPLYING, ImportState.DONE)
    return storage


def input_format(job: ImportJob):
    return imports.IMPORT_FORMATS[job.file_format]()


def runs_in_background(rows: int) -> bool:
    """Whether a file of ``rows`` data rows goes to the worker: on PostgreSQL, above
    ``IMPORT_IN_REQUEST_MAX_ROWS``."""
    return settings.IMPORTS_IN_BACKGROUND and rows > settings.IMPORT_IN_REQUEST_MAX_ROWS


# --- Starting (in the request) ---------------------------------------------------------------


def start_preview(job: ImportJob) -> None:
    """Save the job and preview it: enqueued in the same transaction (so no job runs for a
    record that was rolled back, and no record waits for a job never enqueued), or now."""
    with transaction.atomic():
        job.save()
        if job.in_background:
            from registry import tasks

            tasks.preview_import.defer(job_id=job.pk)
    if not job.in_background:
        preview(job.pk)


class NotConfirmable(Exception):
    """The job cannot be applied (already applied, expired, or its preview found errors)."""


def start_apply(job_id: int) -> ImportJob:
    """Confirm a previewed job: claim its file and mark it applying, and enqueue the
    application in that same transaction, or apply it now."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.state != ImportState.PREVIEWED or job.errors_count:
            raise NotConfirmable
        try:
            storage_for(job).claim()
        except imports.UploadExpired as error:
            raise NotConfirmable from error
        job.state, job.rows_done, job.attempts = ImportState.APPLYING, 0, 0
        job.save(update_fields=["state", "rows_done", "attempts", "updated_at"])
        if job.in_background:
            from registry import tasks

            tasks.apply_import.defer(job_id=job.pk)
    if not job.in_background:
        apply(job.pk)
        job.refresh_from_db()
    return job


# --- Running (worker or request) -------------------------------------------------------------


class ProgressWriter:
    """Writes rows done and errors so far on a connection of its own (autocommit), so the
    admin sees them while the application's transaction is still open."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.connection = None

    def __call__(self, done: int, errors: int) -> None:
        if self.connection is None:
            self.connection = connections.create_connection("default")
            if self.connection.vendor == "postgresql":  # not "another session" to the Pacer
                with self.connection.cursor() as cursor:
                    cursor.execute(f"SET application_name = '{APPLICATION_PREFIX}-progress'")
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET rows_done = %s, errors_count = %s, "
                "updated_at = %s WHERE id = %s",
                [done, errors, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def progress_for(job: ImportJob):
    if not job.in_background:
        return None, None
    writer = ProgressWriter(job)
    return Throttled(writer, seconds=1.0), writer


def begin_attempt(job: ImportJob, state: str) -> bool:
    """Count one more attempt; False (and the job failed) when there were too many."""
    job.attempts += 1
    if job.attempts > 1:
        job.message = _(
            "The worker stopped during this import; it was started again (attempt "
            "%(attempt)s of %(limit)s). Nothing of the interrupted attempt was applied."
        ) % {"attempt": job.attempts, "limit": settings.IMPORT_MAX_ATTEMPTS}
    if job.attempts > settings.IMPORT_MAX_ATTEMPTS:
        fail(
            job,
            _(
                "The worker stopped %(count)s times during this import; it was given up. "
                "Nothing was imported. Upload the file again."
            )
            % {"count": settings.IMPORT_MAX_ATTEMPTS},
        )
        return False
    job.state = state
    job.save(update_fields=["attempts", "message", "state", "updated_at"])
    return True


def fail(job: ImportJob, message: str, summary: dict | None = None) -> None:
    job.state, job.message, job.finished_at = ImportState.FAILED, message, timezone.now()
    fields = ["state", "message", "finished_at", "updated_at"]
    if summary is not None:
        job.summary, job.errors_count = summary, summary["counts"]["error"]
        fields += ["summary", "errors_count"]
    job.save(update_fields=fields)
    storage_for(job).remove()


def pace_for(job: ImportJob) -> Pacer | None:
    """A job in the worker gives way to the web's requests (``Pacer``); one in the request
    runs at full speed, since someone is waiting for it."""
    return Pacer() if job.in_background else None


def preview(job_id: int) -> None:
    """Validate and compare every row of the job's file; keep the counts, errors and changed
    rows on the job. A file with errors cannot be confirmed: it is deleted at once."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state not in (ImportState.QUEUED, ImportState.PREVIEWING):
        return
    if not begin_attempt(job, ImportState.PREVIEWING):
        return
    progress, writer = progress_for(job)
    try:
        data = storage_for(job).read()
        header, rows = imports.read_rows(data, input_format(job))
        del data
        summary = Engine(resource_for(job), job.user, progress, pace_for(job)).preview(header, rows)
    except imports.UploadExpired:
        return fail(job, expired_message())
    except imports.ImportLimitError as error:
        return fail(job, str(error))
    except Exception:
        logger.exception("import %s: preview failed", job.pk)
        fail(job, _("The file could not be read; nothing was imported."))
        raise
    finally:
        if writer:
            writer.close()
    job.state, job.summary = ImportState.PREVIEWED, summary.as_json()
    job.rows_total = job.rows_done = summary.rows
    job.errors_count = summary.counts["error"]
    job.save()
    if summary.has_errors:
        storage_for(job).remove()


def apply(job_id: int) -> None:
    """Apply the job's file: every row validated again against the registry as it is now,
    and written, in one transaction that also marks the job done; or nothing, and the job
    failed with the errors."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state != ImportState.APPLYING:
        return
    if not begin_attempt(job, ImportState.APPLYING):
        return
    progress, writer = progress_for(job)
    storage = storage_for(job)
    try:
        data = storage.read()
        header, rows = imports.read_rows(data, input_format(job))
        del data
        with transaction.atomic():
            summary = Engine(resource_for(job), job.user, progress, pace_for(job)).apply(
                header, rows
            )
            job.state, job.summary = ImportState.DONE, summary.as_json()
            job.rows_total = job.rows_done = summary.rows
            job.errors_count, job.finished_at = 0, timezone.now()
            job.save()
    except ImportRefused as refused:
        return fail(job, refused_message(), refused.summary.as_json())
    except imports.UploadExpired:
        return fail(job, expired_message())
    except imports.ImportLimitError as error:
        return fail(job, f"{refused_message()} {error}")
    except Exception:
        logger.exception("import %s: application failed", job.pk)
        fail(job, _("The import failed unexpectedly; nothing was imported."))
        raise
    finally:
        if writer:
            writer.close()
    storage.remove()


def refused_message() -> str:
    return _(
        "Nothing was imported: the file no longer passes the checks. "
        "Correct it and upload it again."
    )


def expired_message() -> str:
    return _(
        "This preview has expired or was already imported; nothing was imported. "
        "Upload the file again."
    )


# --- Recovery (worker) -----------------------------------------------------------------------


async def recover_stalled(app) -> list[int]:
    """Start again the import jobs whose worker stopped sending heartbeats (it was killed or
    lost its connection): their transaction was rolled back, so they run from the beginning.
    Returns the Procrastinate job ids retried."""
    stalled = await app.job_manager.get_stalled_jobs(
        queue="imports", seconds_since_heartbeat=settings.IMPORT_STALLED_AFTER_SECONDS
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
        logger.warning("import job %s (%s) had stalled; retried", job.id, job.task_name)
    return [job.id for job in stalled]
