from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.list_filters import CERTIFICATE_FILTERS
from registry.admin.mixins import RegistryAdmin
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.models import CertificateValidity, VietGAPCertificate
from registry.rules import dates


@admin.register(VietGAPCertificate)
class VietGAPCertificateAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = (
        "number",
        "body",
        "cooperative",
        "crop",
        "area_ha",
        "issued_on",
        "expires_on",
        "validity",
    )
    list_filter = (*CERTIFICATE_FILTERS, "crop", "body")
    list_select_related = ("body", "cooperative", "crop")
    date_hierarchy = "expires_on"
    autocomplete_fields = ("body", "cooperative", "crop", "commune")
    fieldsets = (
        (None, {"fields": ("number", "body", "cooperative", "crop")}),
        (
            _("Area and place"),
            {"fields": ("area_ha", "expected_yield_tonnes", "commune", "legacy_location")},
        ),
        (_("Validity"), {"fields": ("issued_on", "expires_on", "revoked_on", "revocation_reason")}),
    )

    @admin.display(description=_("validity"))
    def validity(self, obj):
        return CertificateValidity(dates.certificate_validity(obj)).label
