"""Provinces and communes come from the vietnam-provinces package: read-only here."""

from django.contrib import admin

from registry.admin.mixins import FoldedSearchMixin
from registry.models import Commune, Province


class ReadOnlyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "division_type")


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "division_type", "province")
    list_filter = ("province",)
    list_select_related = ("province",)
