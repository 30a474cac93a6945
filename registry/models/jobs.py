"""A spreadsheet import as a durable record: what was uploaded, by whom, how far the preview
or the application has got, and what it found. The admin's progress page reads it; the
background worker (``registry.tasks``) writes it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    QUEUED = "queued", _("queued")
    PREVIEWING = "previewing", _("previewing")
    PREVIEWED = "previewed", _("previewed")
    APPLYING = "applying", _("applying")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


#: States in which a worker (or the request) is busy with the job.
RUNNING_STATES = (ImportState.QUEUED, ImportState.PREVIEWING, ImportState.APPLYING)


class ImportJob(models.Model):
    """One uploaded file through preview and application.

    ``summary`` holds what the preview (or the refused application) found: the counts (new,
    updated, unchanged, errors), every error with its row, column and value, and the changed
    rows, each list capped (``IMPORT_PREVIEW_MAX_ERRORS``, ``IMPORT_PREVIEW_MAX_CHANGES``) with
    the full totals beside it; never the whole file."""

    resource = models.CharField(_("resource"), max_length=40)
    file_name = models.CharField(_("stored file"), max_length=64)
    file_format = models.PositiveSmallIntegerField(_("file format"))
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED
    )
    in_background = models.BooleanField(_("in the background"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    errors_count = models.PositiveIntegerField(_("errors so far"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        indexes = [models.Index(fields=["state", "updated_at"], name="import_job_state_idx")]

    def __str__(self) -> str:
        return f"{self.resource} #{self.pk} ({self.get_state_display()})"

    @property
    def counts(self) -> dict:
        return self.summary.get("counts", {})

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES
