"""Growing-area codes (mã số vùng trồng), packing houses (mã số cơ sở đóng gói) and their
status per target market.

Both kinds of code share one shape for status: ``market_statuses`` (the status for each market
now) and ``status_changes`` (the append-only history it comes from). Both relations use the
field name ``subject`` so that the rules (``registry.rules``) treat an area code and a packing
house alike.
A code is never deleted and never reused.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.choices import ChangeSource, CodeKind, CodeStatus
from registry.keys import DashlessCode, normalise_code
from registry.models.base import RegistryModel
from registry.models.catalog import Crop, Market
from registry.models.certificates import VietGAPCertificate
from registry.models.cooperatives import Cooperative
from registry.models.places import Commune
from registry.rules.dates import validate_in_window
from registry.rules.geometry import read_boundary, validate_boundary

#: the columns derived from a boundary on save (registry.rules.geometry.read_boundary)
BOUNDARY_DERIVED = (
    "boundary_min_lon",
    "boundary_min_lat",
    "boundary_max_lon",
    "boundary_max_lat",
    "measured_area_ha",
    "latitude",
    "longitude",
)


class CodeDeletionRefused(Exception):
    """Raised on any attempt to delete a code: codes are revoked, never removed."""


class NeverDeletedQuerySet(models.QuerySet):
    def delete(self):
        raise CodeDeletionRefused(
            f"{self.model._meta.verbose_name_plural} are never deleted: revoke them instead."
        )


def latitude_field():
    return models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )


def longitude_field():
    return models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )


class RegisteredCode(RegistryModel):
    """Fields and behaviour shared by area codes and packing houses."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    legacy_location = models.CharField(
        _("location as issued (before July 2025)"),
        max_length=255,
        blank=True,
        help_text=_("District and commune names as written on the original decision."),
    )
    issued_on = models.DateField(_("issue date"), validators=[validate_in_window])
    notes = models.TextField(_("notes"), blank=True)

    objects = NeverDeletedQuerySet.as_manager()

    #: Set by the spreadsheet import (``registry.import_engine``), which checks a whole batch
    #: of codes against the registry and the file in one query, so that ``clean()`` does not
    #: ask again for each row.
    code_checked_unique = False

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = normalise_code(self.code or "")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CodeDeletionRefused(f"{self.code} is never deleted: revoke it instead.")


class AreaCode(RegisteredCode):
    kind = models.CharField(
        _("kind"), max_length=10, choices=CodeKind.choices, default=CodeKind.EXPORT
    )
    crop = models.ForeignKey(
        Crop, on_delete=models.PROTECT, related_name="area_codes", verbose_name=_("crop")
    )
    variety = models.CharField(_("variety"), max_length=100, blank=True)
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="area_codes",
        verbose_name=_("cooperative or managing organisation"),
    )
    certificate = models.ForeignKey(
        VietGAPCertificate,
        on_delete=models.PROTECT,
        related_name="area_codes",
        null=True,
        blank=True,
        verbose_name=_("VietGAP basis"),
    )
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=2)
    households = models.PositiveIntegerField(_("farming households"), null=True, blank=True)
    average_yield_tonnes = models.DecimalField(
        _("average yield (tonnes/year)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    latitude = latitude_field()
    longitude = longitude_field()
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_(
            "GeoJSON Polygon or MultiPolygon (WGS 84, longitude before latitude). When given, "
            "the latitude and longitude become a point inside it."
        ),
    )
    # Derived from the boundary on save: its bounding box (for the overlap and bbox queries)
    # and its area measured on the ellipsoid.
    boundary_min_lon = models.FloatField(null=True, editable=False)
    boundary_min_lat = models.FloatField(null=True, editable=False)
    boundary_max_lon = models.FloatField(null=True, editable=False)
    boundary_max_lat = models.FloatField(null=True, editable=False)
    measured_area_ha = models.DecimalField(
        _("measured area (ha)"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
    )
    history = HistoricalRecords(
        excluded_fields=[
            "search_text",
            "updated_at",
            "boundary_min_lon",
            "boundary_min_lat",
            "boundary_max_lon",
            "boundary_max_lat",
        ]
    )

    search_sources = (
        "code",
        "cooperative.name",
        "cooperative.tax_code",
        "commune.name",
        "commune.province.name",
        "legacy_location",
        "crop.name_vi",
        "crop.name_en",
        "variety",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("growing-area code")
        verbose_name_plural = _("growing-area codes")
        permissions = [("change_code_status", _("Can suspend, reinstate and revoke codes"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="area_code_upper_case"
            ),
            models.CheckConstraint(
                condition=models.Q(area_ha__gt=0), name="area_code_area_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="area_code_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="area_code_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["crop", "code"], name="area_code_crop_idx"),
            models.Index(fields=["commune", "code"], name="area_code_commune_idx"),
            models.Index(fields=["cooperative", "code"], name="area_code_cooperative_idx"),
            # the admin's issue-year filter reads the first and last issue date
            models.Index(fields=["issued_on"], name="area_code_issued_on_idx"),
            # the overlap and bbox queries (registry.rules.boundaries.near_q)
            models.Index(
                fields=[
                    "boundary_min_lon",
                    "boundary_min_lat",
                    "boundary_max_lon",
                    "boundary_max_lat",
                ],
                name="area_code_boundary_bbox_idx",
            ),
            models.Index(fields=["longitude", "latitude"], name="area_code_point_idx"),
            # a code typed without dashes (registry.public.pages.canonical_code)
            models.Index(DashlessCode("code"), name="area_code_dashless_idx"),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # what the boundary was when read, to tell on save whether it changed
        instance._boundary_as_read = instance.__dict__.get("boundary", models.DEFERRED)
        return instance

    def boundary_changed(self) -> bool:
        if "boundary" not in self.__dict__:  # deferred and never read
            return False
        as_read = getattr(self, "_boundary_as_read", None)
        return as_read is models.DEFERRED or as_read != self.boundary

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        #: read by registry.rules.boundaries (post_save): recompute the code's overlaps
        self.boundary_was_changed = self.boundary_changed() and (
            update_fields is None or "boundary" in update_fields
        )
        if self.boundary_was_changed:
            self.derive_from_boundary()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *BOUNDARY_DERIVED}
        super().save(*args, **kwargs)
        self._boundary_as_read = self.__dict__.get("boundary", models.DEFERRED)

    def derive_from_boundary(self) -> None:
        """The bounding box, measured area and label point; the boundary itself normalised
        (counter-clockwise exterior rings). Raises BoundaryError on an invalid boundary."""
        if self.boundary is None:
            self.boundary_min_lon = self.boundary_min_lat = None
            self.boundary_max_lon = self.boundary_max_lat = None
            self.measured_area_ha = None
            return
        read = read_boundary(self.boundary)
        self.boundary = read.geojson
        (
            self.boundary_min_lon,
            self.boundary_min_lat,
            self.boundary_max_lon,
            self.boundary_max_lat,
        ) = read.bbox
        self.measured_area_ha = read.area_ha
        self.latitude, self.longitude = read.label_lat, read.label_lon

    def clean(self) -> None:
        errors = {}
        if self.area_ha is not None and self.area_ha <= 0:
            errors["area_ha"] = _("The area must be greater than zero.")
        if self.certificate_id and self.cooperative_id:
            if self.certificate.cooperative_id != self.cooperative_id:
                errors["certificate"] = _("This certificate belongs to another cooperative.")
            elif self.crop_id and self.certificate.crop_id != self.crop_id:
                errors["certificate"] = _("This certificate is for another crop.")
        if self.code and not self.code_checked_unique:
            normalised = normalise_code(self.code)
            clash = AreaCode.objects.filter(code=normalised).exclude(pk=self.pk)
            if clash.exists():
                errors["code"] = _("The code %(code)s already exists.") % {"code": normalised}
        if errors:
            raise ValidationError(errors)


class PackingHouse(RegisteredCode):
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    operator = models.CharField(_("operator"), max_length=255, blank=True)
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="packing_houses",
        null=True,
        blank=True,
        verbose_name=_("cooperative"),
    )
    # where it is (issue 14: the bbox filter); optional, like an area code's point
    latitude = latitude_field()
    longitude = longitude_field()
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = (
        "code",
        "name",
        "operator",
        "address",
        "commune.name",
        "commune.province.name",
        "legacy_location",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("packing house")
        verbose_name_plural = _("packing houses")
        permissions = [("change_code_status", _("Can suspend, reinstate and revoke codes"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="packing_house_code_upper_case"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="packing_house_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="packing_house_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["longitude", "latitude"], name="packing_house_point_idx"),
            # a code typed without dashes (registry.public.pages.canonical_code)
            models.Index(DashlessCode("code"), name="packing_house_dashless_idx"),
        ]

    def clean(self) -> None:
        if self.code and not self.code_checked_unique:
            normalised = normalise_code(self.code)
            if PackingHouse.objects.filter(code=normalised).exclude(pk=self.pk).exists():
                raise ValidationError(
                    {"code": _("The code %(code)s already exists.") % {"code": normalised}}
                )


# --- Status per market ---------------------------------------------------------------------


class MarketStatus(models.Model):
    """The status of one code for one market now: the newest entry of its history."""

    market = models.ForeignKey(
        Market, on_delete=models.PROTECT, related_name="+", verbose_name=_("market")
    )
    status = models.CharField(_("status"), max_length=20, choices=CodeStatus.choices)
    since = models.DateField(_("since"), validators=[validate_in_window])
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.market.code}: {self.get_status_display()}"


class StatusChange(models.Model):
    """One entry of a code's status history for one market. Append-only."""

    market = models.ForeignKey(
        Market, on_delete=models.PROTECT, related_name="+", verbose_name=_("market")
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=CodeStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=CodeStatus.choices)
    effective_on = models.DateField(_("effective date"), validators=[validate_in_window])
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=30, choices=ChangeSource.choices)
    reference = models.CharField(_("reference number"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # The statuses' labels in the reader's language (the admin's inline titles); the API
        # and the downloads carry the keys.
        from_status = self.get_from_status_display() if self.from_status else "–"
        return f"{self.market.code}: {from_status} → {self.get_to_status_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Status history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Status history is append-only.")


class AreaCodeMarket(MarketStatus):
    subject = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="market_statuses",
        verbose_name=_("growing-area code"),
    )

    class Meta:
        ordering = ["market__code"]
        verbose_name = _("market status")
        verbose_name_plural = _("market statuses")
        constraints = [
            models.UniqueConstraint(fields=["subject", "market"], name="area_code_market_unique"),
        ]
        indexes = [
            models.Index(fields=["market", "status", "subject"], name="area_code_market_status_idx")
        ]


class AreaCodeStatusChange(StatusChange):
    subject = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("growing-area code"),
    )

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [
            models.Index(
                fields=["subject", "market", "effective_on", "id"],
                name="area_code_change_asof_idx",
            )
        ]


class PackingHouseMarket(MarketStatus):
    subject = models.ForeignKey(
        PackingHouse,
        on_delete=models.PROTECT,
        related_name="market_statuses",
        verbose_name=_("packing house"),
    )

    class Meta:
        ordering = ["market__code"]
        verbose_name = _("market status")
        verbose_name_plural = _("market statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "market"], name="packing_house_market_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["market", "status", "subject"], name="packing_house_mkt_status_idx"
            )
        ]


class PackingHouseStatusChange(StatusChange):
    subject = models.ForeignKey(
        PackingHouse,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("packing house"),
    )

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [
            models.Index(
                fields=["subject", "market", "effective_on", "id"],
                name="packing_house_change_asof_idx",
            )
        ]
