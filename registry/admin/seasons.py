"""Seasons with their export declarations; the capacity check's flags and reasons on each
season's page, where an administrator clears them with a note (``registry.rules.capacity``).
Clearances are recorded, never edited: a new one is added when the figures change."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry.admin.list_filters import SEASON_FILTERS
from registry.admin.mixins import ReadOnlyInline, RegistryAdmin
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.models import CapacityClearance, CapacityState, Season, SeasonMarket
from registry.rules import capacity


class DeclarationInline(admin.TabularInline):
    model = SeasonMarket
    extra = 0
    fields = ("market", "tonnes")
    verbose_name_plural = _("declared for export, per market")


class ClearanceInline(ReadOnlyInline):
    model = CapacityClearance
    fields = (
        "cleared_at",
        "cleared_by",
        "note",
        "area_ha",
        "max_yield_tonnes_per_ha",
        "expected_tonnes",
        "actual_tonnes",
        "declared_tonnes",
    )
    show_change_link = False
    ordering = ("-cleared_at", "-id")
    verbose_name_plural = _("capacity clearances (newest first, with the figures cleared)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("cleared_by")


class ClearForm(forms.Form):
    note = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the figures are acceptable (e.g. a second harvest, a surveyed area)."),
    )


@admin.register(Season)
class SeasonAdmin(SpreadsheetAdminMixin, RegistryAdmin):
    list_display = (
        "area_code",
        "crop_year",
        "crop",
        "area_ha",
        "expected_tonnes",
        "actual_tonnes",
        "capacity_state",
    )
    list_filter = SEASON_FILTERS
    list_select_related = ("area_code__crop",)
    autocomplete_fields = ("area_code",)
    search_help_text = _("Search by code, variety or notes.")
    fieldsets = (
        (None, {"fields": ("area_code", "crop_year", "variety", "area_ha", "standard")}),
        (
            _("Output"),
            {
                "fields": (
                    "expected_tonnes",
                    "harvest_start",
                    "harvest_end",
                    "actual_tonnes",
                    "notes",
                )
            },
        ),
    )
    inlines = (DeclarationInline, ClearanceInline)
    change_form_template = "admin/registry/season_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(capacity=capacity.state_expression())

    @admin.display(description=_("crop"), ordering="area_code__crop__name_vi")
    def crop(self, obj):
        return obj.area_code.crop.name_vi

    @admin.display(description=_("capacity check"), ordering="capacity")
    def capacity_state(self, obj):
        return CapacityState(obj.capacity).label

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:object_id>/clear-capacity/",
                self.admin_site.admin_view(self.clear_capacity),
                name=f"{opts.app_label}_{opts.model_name}_clear_capacity",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        season = self.get_object(request, object_id)
        if season is not None:
            extra_context |= self.capacity_context(request, season)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def capacity_context(request, season) -> dict:
        season = (
            Season.objects.select_related("area_code__crop")
            .prefetch_related(
                Prefetch("declarations", queryset=SeasonMarket.objects.order_by()),
                Prefetch("clearances", queryset=CapacityClearance.objects.order_by()),
            )
            .get(pk=season.pk)
        )
        figures = capacity.figures_of(season)
        cleared = [capacity.cleared_figures(c) for c in season.clearances.all()]
        return {
            "capacity": {
                "state": capacity.capacity_state(figures, cleared),
                "state_label": CapacityState(capacity.capacity_state(figures, cleared)).label,
                "figures": figures,
                "reasons": [capacity.explain(r, figures) for r in capacity.reasons(figures)],
            },
            "may_clear": capacity.may_clear(request.user),
            "clear_form": ClearForm(),
        }

    def clear_capacity(self, request, object_id):
        return require_POST(self._clear)(request, object_id)

    def _clear(self, request, object_id):
        season = get_object_or_404(Season, pk=object_id)
        if not capacity.may_clear(request.user):
            raise PermissionDenied
        form = ClearForm(request.POST)
        back = HttpResponseRedirect(reverse("admin:registry_season_change", args=[season.pk]))
        if not form.is_valid():
            self.message_user(
                request,
                _("Write a note saying why the figures are acceptable."),
                messages.ERROR,
            )
            return back
        try:
            capacity.clear(season, request.user, form.cleaned_data["note"])
        except capacity.NothingToClear as error:
            self.message_user(request, str(error), messages.ERROR)
            return back
        self.message_user(
            request,
            _("Capacity flag of %(season)s cleared, for the figures as they are now.")
            % {"season": season},
            messages.SUCCESS,
        )
        return back


class SeasonsInline(ReadOnlyInline):
    """A code's seasons on its change page (read-only: they are recorded on their own page)."""

    model = Season
    fields = ("crop_year", "standard", "area_ha", "expected_tonnes", "actual_tonnes")
    ordering = ("-crop_year",)
    verbose_name_plural = _("seasons (newest first)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area_code")
