"""Reference lists: crops, target markets and certification bodies."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.keys import normalise_crop_slug, normalise_market_code
from registry.models.base import RegistryModel


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(
            _("Not a valid regular expression: %(error)s"), params={"error": exc}
        ) from exc


def in_english() -> bool:
    """Whether the reader asked for English: names then come in English first (Vietnamese is
    the registry's language, and the default)."""
    return (get_language() or "vi").startswith("en")


class Crop(RegistryModel):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    scientific_name = models.CharField(_("scientific name"), max_length=150, blank=True)
    max_yield_tonnes_per_ha = models.DecimalField(
        _("maximum plausible yield (tonnes/ha)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The most a hectare of this crop can plausibly yield in a season. A season whose "
            "output or export declarations exceed area × this figure is flagged for review. "
            "Empty: no capacity check for this crop."
        ),
    )
    max_yield_source = models.TextField(
        _("source of the maximum yield"),
        blank=True,
        help_text=_("Where the figure comes from (publication, year), so others can check it."),
    )
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("slug", "name_vi", "name_en", "scientific_name")

    class Meta:
        ordering = ["name_vi"]
        verbose_name = _("crop")
        verbose_name_plural = _("crops")

    def __str__(self) -> str:
        if in_english():
            return f"{self.name_en} ({self.name_vi})"
        return f"{self.name_vi} ({self.name_en})"

    def save(self, *args, **kwargs):
        self.slug = normalise_crop_slug(self.slug or "")
        super().save(*args, **kwargs)


class Market(RegistryModel):
    """An importing country (ISO 3166-1 alpha-2), the EU as a bloc, or ``VN`` for domestic codes.

    The code patterns are regular expressions an administrator may change: formats other than
    the ``VN-..OR-nnnn`` seen for orchards are unconfirmed, so they are data, not code.
    """

    code = models.CharField(
        _("code"),
        max_length=2,
        unique=True,
        help_text=_("ISO 3166-1 alpha-2 code, or EU for the European Union."),
    )
    name_vi = models.CharField(_("Vietnamese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    authority = models.CharField(_("importing authority"), max_length=200, blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    area_code_pattern = models.CharField(
        _("growing-area code pattern"),
        max_length=200,
        blank=True,
        validators=[validate_regex],
        help_text=_("Regular expression that codes active for this market must match."),
    )
    packing_house_code_pattern = models.CharField(
        _("packing-house code pattern"),
        max_length=200,
        blank=True,
        validators=[validate_regex],
    )
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("code", "name_vi", "name_en", "authority")

    class Meta:
        ordering = ["code"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="market_code_upper_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name_en if in_english() else self.name_vi}"

    def save(self, *args, **kwargs):
        self.code = normalise_market_code(self.code or "")
        super().save(*args, **kwargs)


class CertificationBody(RegistryModel):
    """An organisation designated to certify VietGAP, with its designation code."""

    code = models.CharField(_("designation code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("code", "name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("certification body")
        verbose_name_plural = _("certification bodies")

    def __str__(self) -> str:
        return self.name
