"""VietGAP certificates (TCVN 11892-1:2017) and who issued them.

Whether a certificate is valid, expiring, expired or revoked on a date is decided in
``registry.rules.dates``, not here.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.keys import normalise_certificate_number
from registry.models.base import RegistryModel
from registry.models.catalog import CertificationBody, Crop
from registry.models.cooperatives import Cooperative
from registry.models.places import Commune
from registry.rules.dates import latest_allowed_expiry, validate_in_window

# The database backstop for "at most 2 years + 3 months": the longest such span in days
# (a leap year plus July-September). The exact calendar rule is
# registry.rules.dates.latest_allowed_expiry.
LONGEST_VALIDITY = timedelta(days=366 + 365 + 92)


class VietGAPCertificate(RegistryModel):
    number = models.CharField(_("certificate number"), max_length=100)
    body = models.ForeignKey(
        CertificationBody,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("certification body"),
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("cooperative"),
    )
    crop = models.ForeignKey(
        Crop, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("crop")
    )
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=2)
    expected_yield_tonnes = models.DecimalField(
        _("expected yield (tonnes/year)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("commune")
    )
    legacy_location = models.CharField(
        _("location as issued (before July 2025)"), max_length=255, blank=True
    )
    issued_on = models.DateField(_("issue date"), validators=[validate_in_window])
    expires_on = models.DateField(
        _("expiry date"),
        validators=[validate_in_window],
        help_text=_("At most 2 years after issue, plus an extension of up to 3 months."),
    )
    revoked_on = models.DateField(
        _("revoked on"), null=True, blank=True, validators=[validate_in_window]
    )
    revocation_reason = models.TextField(_("revocation reason"), blank=True)
    expiry_recorded_at = models.DateTimeField(
        _("expiry recorded at"), null=True, blank=True, editable=False
    )
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("number", "body.name", "cooperative.name", "commune.name", "crop.name_vi")

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("VietGAP certificate")
        verbose_name_plural = _("VietGAP certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"], name="certificate_number_unique_per_body"
            ),
            models.CheckConstraint(
                condition=models.Q(area_ha__gt=0), name="certificate_area_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__lte=models.F("issued_on") + LONGEST_VALIDITY),
                name="certificate_validity_at_most_27_months",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True)
                | models.Q(revoked_on__gte=models.F("issued_on")),
                name="certificate_revoked_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_on"], name="certificate_expires_idx"),
            # the API list's order, so that its keyset pages (?cursor=) are index range scans
            models.Index(fields=["-issued_on", "id"], name="certificate_list_order_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors = {}
        if self.number:
            # Before uniqueness is validated (full_clean runs it after clean()).
            self.number = normalise_certificate_number(self.number)
        if self.issued_on and self.expires_on:
            if self.expires_on <= self.issued_on:
                errors["expires_on"] = _("The expiry date must be after the issue date.")
            elif self.expires_on > latest_allowed_expiry(self.issued_on):
                errors["expires_on"] = _(
                    "A VietGAP certificate is valid for at most 2 years, extended by at most "
                    "3 months: the latest expiry for this issue date is %(date)s."
                ) % {"date": latest_allowed_expiry(self.issued_on).isoformat()}
        if self.area_ha is not None and self.area_ha <= 0:
            errors["area_ha"] = _("The area must be greater than zero.")
        if self.revoked_on and self.issued_on and self.revoked_on < self.issued_on:
            errors["revoked_on"] = _("A certificate cannot be revoked before it was issued.")
        if self.revoked_on and not self.revocation_reason:
            errors["revocation_reason"] = _("Give the reason for the revocation.")
        if errors:
            raise ValidationError(errors)
