"""Cooperatives (hợp tác xã) and the certification-trademark rights they hold."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.choices import CooperativeStatus
from registry.keys import normalise_tax_code
from registry.models.base import RegistryModel
from registry.models.places import Commune
from registry.rules.dates import validate_in_window
from registry.rules.tax_codes import FORMAT_MESSAGE, TAX_CODE_REGEX, tax_code_problem

#: The format only, as the database constraint has it; the check digit is ``clean()``'s.
validate_tax_code = RegexValidator(TAX_CODE_REGEX, FORMAT_MESSAGE)


class Cooperative(RegistryModel):
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        unique=True,
        validators=[validate_tax_code],
        help_text=_("Enterprise/tax code: 0123456789, or 0123456789-001 for a branch."),
    )
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="cooperatives", verbose_name=_("commune")
    )
    legacy_location = models.CharField(
        _("location as issued (before July 2025)"), max_length=255, blank=True
    )
    representative = models.CharField(_("legal representative"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    member_households = models.PositiveIntegerField(_("member households"), null=True, blank=True)
    established_on = models.DateField(
        _("date established"), null=True, blank=True, validators=[validate_in_window]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CooperativeStatus.choices,
        default=CooperativeStatus.ACTIVE,
    )
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = (
        "tax_code",
        "name",
        "address",
        "commune.name",
        "commune.province.name",
        "legacy_location",
        "representative",
    )

    class Meta:
        ordering = ["name", "tax_code"]
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_code__regex=TAX_CODE_REGEX),
                name="cooperative_tax_code_format",
            ),
        ]
        # the API list's order, so that its keyset pages (?cursor=) are index range scans
        indexes = [models.Index(fields=["name", "tax_code"], name="cooperative_list_order_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Refuses a tax code that python-stdnum finds invalid (check digit, serial, branch).

        Here rather than on the field, so that every save checks the code as it will be
        stored, whether or not it changed: the admin form, an API write (a PATCH that leaves
        ``tax_code`` out included) and an import row each refuse a cooperative whose stored
        code is wrong until someone corrects it. Loading and showing such a row is unaffected;
        ``manage.py check_registry`` lists them."""
        super().clean()
        problem = tax_code_problem(self.tax_code)
        if problem is not None:
            raise ValidationError({"tax_code": problem})

    def save(self, *args, **kwargs):
        self.tax_code = normalise_tax_code(self.tax_code or "")
        super().save(*args, **kwargs)


class TrademarkRight(RegistryModel):
    """The right to use a certification trademark such as "Nhãn Sơn La"."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="trademark_rights",
        verbose_name=_("cooperative"),
    )
    mark = models.CharField(_("mark"), max_length=150)
    decision_number = models.CharField(_("decision number"), max_length=100)
    granted_on = models.DateField(_("grant date"), validators=[validate_in_window])
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("mark", "decision_number", "cooperative.name")

    class Meta:
        ordering = ["cooperative__name", "mark"]
        verbose_name = _("trademark right")
        verbose_name_plural = _("trademark rights")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "mark"], name="trademark_right_unique_per_cooperative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mark} ({self.decision_number})"
