"""Growing-area codes and packing houses: never deleted; statuses change through actions."""

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from registry.admin.boundaries import BoundaryAdminMixin
from registry.admin.growers import GrowersInline, warn
from registry.admin.inspections import InspectionsInline
from registry.admin.labels import LabelsAdminMixin
from registry.admin.list_filters import (
    AREA_CODE_FILTERS,
    PACKING_HOUSE_FILTERS,
    IssueYearListFilter,
)
from registry.admin.mixins import (
    EstimatedCountPaginator,
    NeverDeletedAdmin,
    ReadOnlyInline,
    shown_reason,
)
from registry.admin.seasons import SeasonsInline
from registry.admin.sources import AreaCodeSourcesInline, PackingHouseSourcesInline
from registry.admin.spreadsheets import SpreadsheetAdminMixin
from registry.admin.status_actions import StatusActionsMixin
from registry.models import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    CertificateValidity,
    PackingHouse,
    PackingHouseMarket,
    PackingHouseStatusChange,
)
from registry.rules import dates, queries
from registry.rules.codes import area_warnings

STATUS_SYMBOLS = {"active": "✓", "suspended": "‖", "revoked": "✗"}


class ShownReasonInline(ReadOnlyInline):
    """A status's reason as ``shown_reason`` shows it (an import's in the reader's language)."""

    @admin.display(description=_("reason"))
    def shown_reason(self, obj):
        return shown_reason(obj.reason)


class MarketStatusInline(ShownReasonInline):
    fields = ("market", "status", "since", "shown_reason")
    show_change_link = False
    verbose_name_plural = _("status per market (change it with the list's actions)")


class StatusTimelineInline(ShownReasonInline):
    fields = (
        "effective_on",
        "market",
        "from_status",
        "to_status",
        "shown_reason",
        "source",
        "reference",
        "recorded_by",
        "recorded_at",
    )
    show_change_link = False
    ordering = ("effective_on", "id")
    verbose_name_plural = _("status timeline")


class CodeAdmin(StatusActionsMixin, NeverDeletedAdmin):
    # No date hierarchy (see IssueYearListFilter), and no "12 results (1,000,000 total)":
    # both would read the whole table on every load.
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        current_model, _history = queries.status_models(self.model)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("market_statuses", queryset=current_model.objects.select_related("market"))
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # A code's letters never change once issued.
        return ("code", *self.boundary_readonly_fields) if obj else self.boundary_readonly_fields

    boundary_readonly_fields = ()

    @admin.display(description=_("markets"))
    def market_summary(self, obj):
        return " · ".join(
            f"{s.market.code} {STATUS_SYMBOLS[s.status]}" for s in obj.market_statuses.all()
        )


@admin.register(AreaCode)
class AreaCodeAdmin(BoundaryAdminMixin, LabelsAdminMixin, SpreadsheetAdminMixin, CodeAdmin):
    list_display = (
        "code",
        "kind",
        "crop",
        "cooperative",
        "commune",
        "area_ha",
        "market_summary",
        "certificate_validity",
        "issued_on",
    )
    list_filter = (*AREA_CODE_FILTERS, "kind", "crop", IssueYearListFilter)
    list_select_related = ("crop", "cooperative", "commune", "certificate")
    autocomplete_fields = ("crop", "cooperative", "certificate", "commune")
    fieldsets = (
        (None, {"fields": ("code", "kind", "crop", "variety", "cooperative", "certificate")}),
        (
            _("Area"),
            {
                "fields": (
                    "area_ha",
                    "measured_area",
                    "households",
                    "average_yield_tonnes",
                    "issued_on",
                    "notes",
                )
            },
        ),
        (_("Place"), {"fields": ("commune", "legacy_location", "latitude", "longitude")}),
        (_("Boundary"), {"fields": ("boundary", "overlaps")}),
    )

    class MarketInline(MarketStatusInline):
        model = AreaCodeMarket

    class TimelineInline(StatusTimelineInline):
        model = AreaCodeStatusChange

    inlines = (
        MarketInline,
        TimelineInline,
        AreaCodeSourcesInline,
        GrowersInline,
        InspectionsInline,
        SeasonsInline,
    )

    @admin.display(description=_("VietGAP basis"))
    def certificate_validity(self, obj):
        if obj.certificate is None:
            return "–"
        return CertificateValidity(dates.certificate_validity(obj.certificate)).label

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in area_warnings(obj):
            self.message_user(request, warning, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if request.user.has_perm("registry.view_grower"):
            warn(self, request, [form.instance])  # once the growers inline is saved


@admin.register(PackingHouse)
class PackingHouseAdmin(SpreadsheetAdminMixin, CodeAdmin):
    list_display = ("code", "name", "operator", "commune", "market_summary", "issued_on")
    list_filter = (*PACKING_HOUSE_FILTERS, IssueYearListFilter)
    list_select_related = ("commune",)
    autocomplete_fields = ("commune", "cooperative")

    class MarketInline(MarketStatusInline):
        model = PackingHouseMarket

    class TimelineInline(StatusTimelineInline):
        model = PackingHouseStatusChange

    inlines = (MarketInline, TimelineInline, PackingHouseSourcesInline, InspectionsInline)
