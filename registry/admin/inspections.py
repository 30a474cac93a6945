"""Inspections, with their samples and attachments; the proposed suspension is confirmed from
the inspection's page in one click (``registry.rules.inspections``), never on save, nor on an
import (the spreadsheet import and downloads: ``SpreadsheetAdminMixin``)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry import inspection_feed
from registry.admin.mixins import ReadOnlyInline, RegistryAdmin
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.models import Inspection, InspectionAttachment, InspectionSample
from registry.rules import inspections, status_changes


class SampleInline(admin.TabularInline):
    model = InspectionSample
    extra = 0
    fields = (
        "substance",
        "result_value",
        "limit_value",
        "unit",
        "exceeded",
        "laboratory",
        "report_number",
    )


class AttachmentInline(admin.TabularInline):
    model = InspectionAttachment
    extra = 0
    fields = ("file", "description", "original_name", "content_type", "size")
    readonly_fields = ("original_name", "content_type", "size")


@admin.register(Inspection)
class InspectionAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = (
        "reference",
        "subject",
        "inspected_on",
        "kind",
        "result",
        "corrective_action_deadline",
        "proposes_suspension",
    )
    list_filter = ("kind", "result", "inspected_on")
    list_select_related = ("area_code", "packing_house")
    date_hierarchy = "inspected_on"
    autocomplete_fields = ("area_code", "packing_house")
    filter_horizontal = ("markets",)
    search_help_text = _("Search by code, packing house, body, inspector or record number.")
    fieldsets = (
        (None, {"fields": ("area_code", "packing_house", "inspected_on", "kind", "result")}),
        (
            _("Inspection"),
            {
                "fields": (
                    "inspecting_body",
                    "inspectors",
                    "record_number",
                    "findings",
                    "corrective_action_deadline",
                    "markets",
                )
            },
        ),
    )
    inlines = (SampleInline, AttachmentInline)
    change_form_template = "admin/registry/inspection_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("samples")

    def save_related(self, request, form, formsets, change):
        """The change feed's event once the markets are written (``registry.inspection_feed``)."""
        super().save_related(request, form, formsets, change)
        inspection_feed.record_inspection(form.instance)

    @admin.display(description=_("reference"), ordering="id")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("code or packing house"))
    def subject(self, obj):
        return obj.subject

    @admin.display(description=_("proposes suspension"), boolean=True)
    def proposes_suspension(self, obj):
        return bool(inspections.grounds(obj))

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:object_id>/confirm-suspension/",
                self.admin_site.admin_view(self.confirm_suspension),
                name=f"{opts.app_label}_{opts.model_name}_confirm_suspension",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        inspection = self.get_object(request, object_id)
        if inspection is not None:
            extra_context["proposal"] = inspections.proposed_suspension(inspection)
            extra_context["may_confirm"] = status_changes.may_change_status(
                request.user, type(inspection.subject)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _back(inspection):
        return HttpResponseRedirect(
            reverse("admin:registry_inspection_change", args=[inspection.pk])
        )

    def confirm_suspension(self, request, object_id):
        return require_POST(self._confirm)(request, object_id)

    def _confirm(self, request, object_id):
        inspection = get_object_or_404(Inspection, pk=object_id)
        if not self.has_view_permission(request, inspection):
            raise PermissionDenied
        try:
            recorded = inspections.confirm_suspension(inspection, request.user)
        except status_changes.StatusChangeError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return self._back(inspection)
        self.message_user(
            request,
            _("%(code)s suspended for %(markets)s (source: local inspection, reference %(ref)s).")
            % {
                "code": inspection.subject.code,
                "markets": ", ".join(change.market.code for change in recorded),
                "ref": inspection.reference,
            },
            messages.SUCCESS,
        )
        return self._back(inspection)


class InspectionsInline(ReadOnlyInline):
    """The code's inspections, newest first, on its change page (read-only: they are
    recorded on their own page)."""

    model = Inspection
    fields = ("inspected_on", "kind", "result", "inspecting_body", "corrective_action_deadline")
    ordering = ("-inspected_on", "-id")
    verbose_name_plural = _("inspections (newest first)")

    def get_queryset(self, request):
        # Each row's title names its subject: joined, not one query per row.
        return super().get_queryset(request).select_related("area_code", "packing_house")
