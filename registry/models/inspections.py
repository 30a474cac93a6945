"""Supervision: the inspections of a growing-area code or a packing house, their residue and
pest samples, and the files attached to them (report PDF, photos).

Whether a code is monitored, due, overdue or never inspected is derived from these records in
``registry.rules.supervision``, never stored. A non-compliant result or an exceeded sample
only *proposes* a suspension (``registry.rules.inspections``): nothing here changes a status.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.choices import InspectionKind, InspectionResult
from registry.models.base import RegistryModel
from registry.models.catalog import Market
from registry.models.codes import AreaCode, PackingHouse
from registry.rules.dates import today, validate_in_window

#: The first bytes of each allowed file type: the upload's own content decides its type, not
#: the name or the Content-Type the browser sent.
SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def attachment_type(upload) -> str:
    """The content type of an allowed upload; a ``ValidationError`` for any other file (too
    large, an extension not in ``INSPECTION_ATTACHMENT_EXTENSIONS``, or content that is not
    what its extension says)."""
    limit = settings.INSPECTION_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s bytes; at most %(limit)s bytes (%(mb)s MB) are accepted."),
            code="attachment_too_large",
            params={"size": upload.size, "limit": limit, "mb": round(limit / 1024 / 1024, 1)},
        )
    allowed = [e.lower() for e in settings.INSPECTION_ATTACHMENT_EXTENSIONS if e in SIGNATURES]
    extension = PurePosixPath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in allowed:
        raise ValidationError(
            _("Only these files are accepted: %(allowed)s (not “%(name)s”)."),
            code="attachment_type",
            params={"allowed": ", ".join(allowed), "name": PurePosixPath(upload.name).name},
        )
    signature, content_type = SIGNATURES[extension]
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(len(signature))
    upload.seek(position)
    if head != signature:
        raise ValidationError(
            _("“%(name)s” is not a real %(extension)s file."),
            code="attachment_content",
            params={"name": PurePosixPath(upload.name).name, "extension": extension.upper()},
        )
    return content_type


def validate_attachment(upload) -> None:
    """The FileField's validator (admin, API and shell alike)."""
    attachment_type(upload)


def attachment_path(instance, filename: str) -> str:
    """A new random name under the inspection's folder: the uploaded name is kept as data
    (``original_name``), never used as a path."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"inspections/{instance.inspection_id}/{uuid.uuid4().hex}{extension}"


class Inspection(RegistryModel):
    """One inspection of one growing-area code or one packing house (never both)."""

    area_code = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
        verbose_name=_("growing-area code"),
    )
    packing_house = models.ForeignKey(
        PackingHouse,
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
        verbose_name=_("packing house"),
    )
    inspected_on = models.DateField(_("inspection date"), validators=[validate_in_window])
    inspecting_body = models.CharField(
        _("inspecting body"),
        max_length=255,
        help_text=_(
            "The office or authority that inspected, e.g. the provincial plant-protection "
            "sub-department, or GACC for an importing-country audit."
        ),
    )
    inspectors = models.TextField(_("inspectors"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=InspectionKind.choices)
    result = models.CharField(_("result"), max_length=30, choices=InspectionResult.choices)
    findings = models.TextField(_("findings"), blank=True)
    corrective_action_deadline = models.DateField(
        _("corrective-action deadline"), null=True, blank=True, validators=[validate_in_window]
    )
    record_number = models.CharField(_("inspection record number"), max_length=100, blank=True)
    markets = models.ManyToManyField(
        Market,
        blank=True,
        related_name="inspections",
        verbose_name=_("markets concerned"),
        help_text=_("Leave empty when the inspection concerns every market of the code."),
    )
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"], m2m_fields=[markets])

    search_sources = (
        "area_code.code",
        "packing_house.code",
        "packing_house.name",
        "inspecting_body",
        "inspectors",
        "record_number",
    )

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(area_code__isnull=False, packing_house__isnull=True)
                    | models.Q(area_code__isnull=True, packing_house__isnull=False)
                ),
                name="inspection_of_code_xor_packing_house",
            ),
            models.CheckConstraint(
                condition=models.Q(corrective_action_deadline__isnull=True)
                | models.Q(corrective_action_deadline__gte=models.F("inspected_on")),
                name="inspection_deadline_after_date",
            ),
        ]
        indexes = [
            models.Index(fields=["area_code", "-inspected_on"], name="inspection_code_date_idx"),
            models.Index(
                fields=["packing_house", "-inspected_on"], name="inspection_house_date_idx"
            ),
            # the API list's order, so that its keyset pages (?cursor=) are index range scans
            models.Index(fields=["-inspected_on", "-id"], name="inspection_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.subject} · {self.inspected_on}"

    @property
    def subject(self) -> AreaCode | PackingHouse | None:
        return self.area_code if self.area_code_id else self.packing_house

    @property
    def reference(self) -> str:
        """How status changes name this inspection (``INS-<id>``): stable, unlike the record
        number, which may be corrected."""
        return f"INS-{self.pk}" if self.pk else ""

    def clean(self) -> None:
        errors = {}
        if bool(self.area_code_id) == bool(self.packing_house_id):
            errors["area_code"] = _("Name either a growing-area code or a packing house.")
        if self.inspected_on and self.inspected_on > today():
            errors["inspected_on"] = _("An inspection cannot be dated in the future.")
        if (
            self.inspected_on
            and self.corrective_action_deadline
            and self.corrective_action_deadline < self.inspected_on
        ):
            errors["corrective_action_deadline"] = _(
                "The deadline cannot be before the inspection."
            )
        if errors:
            raise ValidationError(errors)


class InspectionSample(models.Model):
    """A residue or pest sample taken at an inspection and its laboratory result. With both a
    result and a limit, ``exceeded`` is computed (result above limit); otherwise (a pest found,
    a qualitative result) it is as entered."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="samples", verbose_name=_("inspection")
    )
    substance = models.CharField(_("substance or pest"), max_length=200)
    result_value = models.DecimalField(
        _("result"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    limit_value = models.DecimalField(
        _("limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    exceeded = models.BooleanField(_("limit exceeded"), default=False)
    laboratory = models.CharField(_("laboratory"), max_length=255, blank=True)
    report_number = models.CharField(_("laboratory report number"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")

    def __str__(self) -> str:
        return self.substance

    def save(self, *args, **kwargs):
        if self.result_value is not None and self.limit_value is not None:
            self.exceeded = self.result_value > self.limit_value
        super().save(*args, **kwargs)


class InspectionAttachment(models.Model):
    """A file attached to an inspection, stored through Django's storage API; read only
    through the API's authorised download, never from a public URL."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("inspection"),
    )
    file = models.FileField(
        _("file"), upload_to=attachment_path, max_length=255, validators=[validate_attachment]
    )
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=50, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False, default=0)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    def save(self, *args, **kwargs):
        if self._state.adding and self.file:  # checked here too: the shell skips validators
            self.content_type = attachment_type(self.file)
            self.size = self.file.size
            self.original_name = PurePosixPath(self.file.name).name[:255]
        super().save(*args, **kwargs)
