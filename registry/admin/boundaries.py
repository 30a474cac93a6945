"""The boundary on an area code's admin page: measured area beside the declared one, the codes
it overlaps, and the read-only list of overlaps."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import BoundaryOverlap
from registry.rules import boundaries


class BoundaryAdminMixin:
    """For ``AreaCodeAdmin``: the changelist never reads the boundaries (a page of 50 polygons
    is not shown), the change page shows what is derived from it."""

    boundary_readonly_fields = ("measured_area", "overlaps")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name.endswith("_changelist"):
            queryset = queryset.defer("boundary")
        return queryset

    @admin.display(description=_("measured area (ha)"))
    def measured_area(self, obj):
        if obj is None or obj.measured_area_ha is None:
            return gettext("No boundary.")
        mismatch = boundaries.area_mismatch(obj.measured_area_ha, obj.area_ha)
        difference = (obj.measured_area_ha - obj.area_ha) / obj.area_ha * 100
        text = gettext("%(measured)s ha (%(difference)+.1f%% of the declared area)") % {
            "measured": obj.measured_area_ha,
            "difference": difference,
        }
        if mismatch:
            flag = gettext("more than %(share)s%% off: check the boundary or the declared area")
            share = boundaries.mismatch_share() * 100
            return format_html(
                '{} <strong class="registry-warning">⚠ {}</strong>',
                text,
                flag % {"share": f"{share.normalize():f}"},
            )
        return text

    @admin.display(description=_("overlapping codes"))
    def overlaps(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        found = boundaries.overlaps_of(obj)
        if not found:
            return gettext("None.")
        return format_html(
            '<ul class="registry-overlaps">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {} ha</li>',
                (
                    (
                        reverse("admin:registry_areacode_change", args=[o["id"]]),
                        o["code"],
                        o["area_ha"],
                    )
                    for o in found
                ),
            ),
        )


@admin.register(BoundaryOverlap)
class BoundaryOverlapAdmin(admin.ModelAdmin):
    """Derived from the boundaries, so read-only: fix a boundary to remove an overlap."""

    list_display = ("first", "second", "area_ha", "found_at")
    list_select_related = ("first", "second")
    search_fields = ("first__code", "second__code")
    ordering = ("-area_ha", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("first__boundary", "second__boundary")

    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.upper())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
