from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from registry.admin.list_filters import COOPERATIVE_FILTERS
from registry.admin.mixins import ReadOnlyInline, RegistryAdmin
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.models import AreaCode, Cooperative, TrademarkRight, VietGAPCertificate
from registry.rules.tax_codes import tax_code_problem


class TrademarkRightInline(admin.TabularInline):
    model = TrademarkRight
    extra = 0
    fields = ("mark", "decision_number", "granted_on")


class CertificateInline(ReadOnlyInline):
    model = VietGAPCertificate
    fields = ("number", "body", "crop", "area_ha", "issued_on", "expires_on", "revoked_on")
    ordering = ("-issued_on",)


class AreaCodeInline(ReadOnlyInline):
    model = AreaCode
    fields = ("code", "kind", "crop", "area_ha", "commune", "issued_on")


@admin.register(Cooperative)
class CooperativeAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = (
        "name",
        "tax_code",
        "commune",
        "province",
        "status",
        "member_households",
        "code_count",
        "established_on",
    )
    list_filter = ("status", *COOPERATIVE_FILTERS)
    list_select_related = ("commune__province",)
    date_hierarchy = "established_on"
    autocomplete_fields = ("commune",)
    inlines = (TrademarkRightInline, CertificateInline, AreaCodeInline)
    fieldsets = (
        (None, {"fields": ("tax_code", "name", "status", "established_on", "member_households")}),
        (_("Place"), {"fields": ("address", "commune", "legacy_location")}),
        (_("Contact"), {"fields": ("representative", "phone", "email")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(code_count=Count("area_codes"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A stored tax code that fails its check (saved before it was checked) is shown as
        stored, with a warning: saving refuses it until it is corrected (``Cooperative.clean``)."""
        problem = tax_code_problem(obj.tax_code) if obj is not None else None
        if problem is not None and request.method == "GET":
            messages.warning(
                request,
                _(
                    "The stored tax code fails its check: %(problem)s It must be corrected before "
                    "this cooperative can be saved."
                )
                % {"problem": " ".join(problem.messages)},
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("province"), ordering="commune__province__name")
    def province(self, obj):
        return obj.commune.province

    @admin.display(description=_("codes"), ordering="code_count")
    def code_count(self, obj):
        return obj.code_count


@admin.register(TrademarkRight)
class TrademarkRightAdmin(RegistryAdmin):
    list_display = ("mark", "cooperative", "decision_number", "granted_on")
    list_filter = ("mark",)
    list_select_related = ("cooperative",)
    date_hierarchy = "granted_on"
    autocomplete_fields = ("cooperative",)
