"""Printable labels from the admin: a sheet of A6 labels (code, cooperative, crop, QR code of
the public page) for the changelist's filtered selection, or for the rows ticked (an action);
links from a code's change page to its QR code and its label."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from registry.public import listing


@admin.action(description=_("Print labels of the selected codes"), permissions=["view"])
def print_labels(modeladmin, request, queryset):
    return render(request, "public/labels.html", listing.labels(request, queryset))


class LabelsAdminMixin:
    """For growing-area codes: ``labels/`` prints the changelist's own selection (its filters
    and search, every page, up to ``PUBLIC_LABELS_MAX``)."""

    import_export_change_list_template = "admin/registry/areacode_change_list.html"
    change_form_template = "admin/registry/areacode_change_form.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_or_change_permission(request):
            actions["print_labels"] = self.get_action(print_labels)
        return actions

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "labels/",
                self.admin_site.admin_view(self.labels_view),
                name=f"{opts.app_label}_{opts.model_name}_labels",
            ),
            *super().get_urls(),
        ]

    def labels_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter.")
        return render(request, "public/labels.html", listing.labels(request, changelist.queryset))
