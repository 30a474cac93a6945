"""Growers (households) of growing areas: personal data, so their list, the inline on a code's
page, downloads and imports need ``registry.view_grower`` (Django's model permissions do this for
the admin). Where they disagree with the code's households or area the admin says so, as advice
(``registry.rules.growers``)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from registry.admin.mixins import RegistryAdmin
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.models import Grower
from registry.rules import growers


@admin.register(Grower)
class GrowerAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = ("name", "area_code", "plot_area_ha", "phone")
    list_select_related = ("area_code",)
    autocomplete_fields = ("area_code",)
    search_help_text = _("Search by name, phone or code.")
    fields = ("area_code", "name", "plot_area_ha", "phone")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warn(self, request, [obj.area_code])


class GrowersInline(admin.TabularInline):
    """On a code's page, for users who may view growers (Django checks the inline's model
    permissions: without ``view_grower`` it is not shown)."""

    model = Grower
    extra = 0
    fields = ("name", "plot_area_ha", "phone")
    verbose_name_plural = _("growers (households; private)")


def warn(model_admin, request, area_codes) -> None:
    for warning in growers.warnings_for(area_codes):
        model_admin.message_user(request, warning, messages.WARNING)
