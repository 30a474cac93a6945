"""Links of packing houses to growing-area codes per market: their own list (FilterSet-backed
filters, search, downloads and import) and an inline on each side's change page."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
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


class KnownSelectionAutocomplete(AutocompleteSelect):
    """An autocomplete whose selected record, when the row already holds it (``known``), is
    shown without asking the database: Django's asks once per widget and row, so an inline of
    N links would cost 2N queries."""

    known: dict = {}

    def optgroups(self, name, value, attr=None):
        empty = self.choices.field.empty_values
        selected = {str(v) for v in value if str(v) not in empty}
        if not selected or not selected <= self.known.keys():
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for key in sorted(selected):
            record = self.known[key]
            label = self.choices.field.label_from_instance(record)
            options.append(self.create_option(name, record.pk, label, selected, len(options)))
        return [(None, options, 0)]


class SourceInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, KnownSelectionAutocomplete):
                related = getattr(self.instance, name)  # joined by the inline's queryset
                widget.known = {str(related.pk): related}


class SourcesInline(admin.TabularInline):
    """The links on one side's change page; the other side and the market are chosen by
    autocomplete, and the rows' related records are joined and shown from the row (no query
    per row)."""

    model = PackingHouseSource
    form = SourceInlineForm
    extra = 0
    fields = ("market", "valid_from", "valid_until", "registration_number", "note")
    autocomplete_fields = ("packing_house", "area_code", "market")
    ordering = ("market__code", "valid_from")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("packing_house", "area_code", "market")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = KnownSelectionAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AreaCodeSourcesInline(SourcesInline):
    fields = ("packing_house", *SourcesInline.fields)
    verbose_name_plural = _("packing houses that may pack this code")


class PackingHouseSourcesInline(SourcesInline):
    fields = ("area_code", *SourcesInline.fields)
    verbose_name_plural = _("growing-area codes this packing house may pack")
