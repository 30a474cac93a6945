"""Spreadsheets in the admin: "Download CSV" of exactly what the changelist shows (its filters,
search and ordering), a "download selected" action, and the import with sample files."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from registry import exports, imports
from registry.tables import TABLES_BY_MODEL


@admin.action(description=_("Download selected rows as CSV"), permissions=["view"])
def download_selected_csv(modeladmin, request, queryset):
    table = TABLES_BY_MODEL[modeladmin.model]
    return exports.csv_response(table, queryset, exports.filename(table, {"selected": ["rows"]}))


class SpreadsheetAdminMixin(ImportMixin):
    import_export_change_list_template = "admin/registry/spreadsheet_change_list.html"
    import_template_name = "admin/registry/spreadsheet_import.html"
    from_encoding = "utf-8-sig"

    def get_import_formats(self):
        return imports.IMPORT_FORMATS

    def get_resource_classes(self, request=None):
        return [imports.RESOURCES[self.model]]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_or_change_permission(request):
            actions["download_selected_csv"] = self.get_action(download_selected_csv)
        return actions

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "download.csv",
                self.admin_site.admin_view(self.download_csv),
                name=f"{name}_download",
            ),
            path(
                "import/sample.csv",
                self.admin_site.admin_view(self.sample_csv),
                name=f"{name}_import_sample",
            ),
            *super().get_urls(),
        ]

    def download_csv(self, request):
        """The changelist's own queryset: its filters, search and ordering, every page."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter.")
        table = TABLES_BY_MODEL[self.model]
        params = {k: request.GET.getlist(k) for k in request.GET if k not in ("o", "p")}
        return exports.csv_response(table, changelist.queryset, exports.filename(table, params))

    def sample_csv(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        language = translation.get_language()
        response = HttpResponse(
            imports.sample_csv(self.model, language), content_type="text/csv; charset=utf-8"
        )
        table = TABLES_BY_MODEL[self.model]
        response["Content-Disposition"] = f'attachment; filename="{table.resource}-sample.csv"'
        return response
