"""Links of packing houses to growing-area codes per market: their own list (FilterSet-backed
filters, search, downloads and import) and an inline on each side's change page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.list_filters import markets
from registry.admin.mixins import RegistryAdmin, list_filter
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.filtersets import PackingHouseSourceFilterSet
from registry.models import PackingHouseSource
from registry.rules import dates

SOURCE_FILTERS = [
    list_filter(PackingHouseSourceFilterSet, "market", _("market"), markets),
    list_filter(
        PackingHouseSourceFilterSet,
        "in_force_on",
        _("link in force"),
        lambda request, model_admin: [(dates.today().isoformat(), _("today"))],
    ),
    list_filter(
        PackingHouseSourceFilterSet,
        "valid_on",
        _("may pack"),
        lambda request, model_admin: [(dates.today().isoformat(), _("today"))],
    ),
]


@admin.register(PackingHouseSource)
class PackingHouseSourceAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = (
        "packing_house",
        "area_code",
        "market",
        "valid_from",
        "valid_until",
        "registration_number",
    )
    list_filter = SOURCE_FILTERS
    list_select_related = ("packing_house", "area_code", "market")
    autocomplete_fields = ("packing_house", "area_code", "market")
    search_help_text = _("Search by code, packing-house name or registration number.")
    fields = (
        "packing_house",
        "area_code",
        "market",
        "valid_from",
        "valid_until",
        "registration_number",
        "note",
    )


class SourcesInline(admin.TabularInline):
    """The links on one side's change page; the other side is chosen by autocomplete, and
    the rows' related records are joined (no query per row)."""

    model = PackingHouseSource
    extra = 0
    fields = ("market", "valid_from", "valid_until", "registration_number", "note")
    autocomplete_fields = ("packing_house", "area_code", "market")
    ordering = ("market__code", "valid_from")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("packing_house", "area_code", "market")


class AreaCodeSourcesInline(SourcesInline):
    fields = ("packing_house", *SourcesInline.fields)
    verbose_name_plural = _("packing houses that may pack this code")


class PackingHouseSourcesInline(SourcesInline):
    fields = ("area_code", *SourcesInline.fields)
    verbose_name_plural = _("growing-area codes this packing house may pack")
