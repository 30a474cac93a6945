"""Admin list filters, each backed by the resource's FilterSet (registry.filtersets)."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from registry import answer_cache
from registry.admin.mixins import list_filter
from registry.filtersets import (
    AreaCodeFilterSet,
    CertificateFilterSet,
    CooperativeFilterSet,
    PackingHouseFilterSet,
    SeasonFilterSet,
)
from registry.models import (
    CapacityState,
    CertificateValidity,
    CodeStatus,
    Commune,
    Market,
    Province,
    SupervisionState,
)


def markets(request, model_admin):
    return [(m.code, str(m)) for m in Market.objects.all()]


def provinces(request, model_admin):
    return [(p.code, p.name) for p in Province.objects.all()]


def communes_in_use(request, model_admin):
    """Only the communes the records use: offering all 3,321 would bury the useful ones."""
    used = model_admin.model.objects.values("commune")
    return [(c.code, c.name) for c in Commune.objects.filter(code__in=used).order_by("name")]


def statuses(request, model_admin):
    return CodeStatus.choices


def validities(request, model_admin):
    return CertificateValidity.choices


def supervision_states(request, model_admin):
    return SupervisionState.choices


def code_filters(filterset_class):
    return [
        list_filter(filterset_class, "market", _("market"), markets),
        list_filter(
            filterset_class,
            "status",
            _("status (for the chosen market)"),
            statuses,
            with_parameters=["market"],
        ),
        list_filter(filterset_class, "province", _("province"), provinces),
        list_filter(filterset_class, "commune", _("commune"), communes_in_use),
        list_filter(filterset_class, "supervision", _("supervision"), supervision_states),
    ]


def yes_no(request, model_admin):
    return [("true", _("Yes")), ("false", _("No"))]


AREA_CODE_FILTERS = [
    *code_filters(AreaCodeFilterSet),
    list_filter(AreaCodeFilterSet, "certificate_validity", _("VietGAP basis"), validities),
    list_filter(AreaCodeFilterSet, "has_boundary", _("has a boundary"), yes_no),
    list_filter(
        AreaCodeFilterSet, "area_mismatch", _("measured area differs from declared"), yes_no
    ),
    list_filter(AreaCodeFilterSet, "overlapping", _("overlaps another code"), yes_no),
]
PACKING_HOUSE_FILTERS = code_filters(PackingHouseFilterSet)
CERTIFICATE_FILTERS = [
    list_filter(CertificateFilterSet, "validity", _("validity"), validities),
    list_filter(CertificateFilterSet, "province", _("province"), provinces),
    list_filter(CertificateFilterSet, "commune", _("commune"), communes_in_use),
]
COOPERATIVE_FILTERS = [
    list_filter(CooperativeFilterSet, "province", _("province"), provinces),
    list_filter(CooperativeFilterSet, "commune", _("commune"), communes_in_use),
    list_filter(
        CooperativeFilterSet,
        "market",
        _("has an active code for"),
        markets,
    ),
    list_filter(
        CooperativeFilterSet,
        "has_trademark",
        _("trademark right"),
        lambda request, model_admin: [("true", _("Yes")), ("false", _("No"))],
    ),
]


def capacity_states(request, model_admin):
    return CapacityState.choices


def crop_years(request, model_admin):
    years = model_admin.model.objects.order_by("-crop_year").values_list("crop_year", flat=True)
    return [(str(year), str(year)) for year in years.distinct()]


SEASON_FILTERS = [
    list_filter(SeasonFilterSet, "capacity", _("capacity check"), capacity_states),
    list_filter(SeasonFilterSet, "crop_year", _("crop year"), crop_years),
    list_filter(SeasonFilterSet, "market", _("declared for"), markets),
    list_filter(SeasonFilterSet, "province", _("province"), provinces),
]


class IssueYearListFilter(admin.SimpleListFilter):
    """The year a code was issued. Instead of a date hierarchy, which runs two queries over
    every matching row on each page load (first and last date, then the distinct years: most
    of the page's time at a million codes), the years offered span the table's first and last
    issue date, read once per data version."""

    title = _("issue year")
    parameter_name = "issued_year"

    def lookups(self, request, model_admin):
        model = model_admin.model
        first, last = answer_cache.cached(
            ("issue years", model._meta.label),
            lambda: tuple(
                model.objects.aggregate(first=Min("issued_on"), last=Max("issued_on")).values()
            ),
            using=model.objects.db,
        )
        if first is None:
            return []
        return [(str(year), str(year)) for year in range(last.year, first.year - 1, -1)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not self.value().isdigit():
            raise IncorrectLookupParameters(self.value())
        return queryset.filter(issued_on__year=int(self.value()))
