"""Spreadsheet imports, read-only: what was imported, by whom, when, and how it ended."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.models import ImportJob
from registry.tables import TABLES


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "resource",
        "original_name",
        "user",
        "state",
        "rows_done",
        "rows_total",
        "errors_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "resource"]
    list_select_related = ["user"]
    search_fields = ["original_name", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = ["page"]
    exclude = ["summary"]

    @admin.display(description=_("import page"))
    def page(self, job):
        model = TABLES[job.resource].model._meta
        url = reverse(f"admin:{model.app_label}_{model.model_name}_import_job", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
