"""Behaviour shared by the registry's admin classes."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry import answer_cache
from registry.text import fold


class CachedCountPaginator(Paginator):
    """Django's paginator counts the filtered list on every page load; at a million codes that
    count is most of the page. Here it comes from the answer cache: exact (kept under the data
    version, like the API's counts) and counted again only after a write."""

    #: the count shown is the planner's estimate ("about N", admin/pagination.html)
    count_is_estimate = False

    @cached_property
    def count(self):
        return answer_cache.count(self.object_list)


class EstimatedCountPaginator(CachedCountPaginator):
    """For lists of a million rows: after a write, the exact count takes most of a second, so
    past ``ADMIN_EXACT_COUNT_LIMIT`` rows (PostgreSQL's estimate) the page shows the estimate,
    as such, and counts nothing; below it, or once cached, the count is exact."""

    @cached_property
    def count(self):
        count, self.count_is_estimate = answer_cache.count_or_estimate(
            self.object_list, settings.ADMIN_EXACT_COUNT_LIMIT
        )
        return count


class FoldedSearchMixin:
    """Search the folded ``search_text`` column: case and diacritics are ignored."""

    search_fields = ("search_text__contains",)
    search_help_text = _(
        "Search ignores case and diacritics: “chieng khoong” finds “Chiềng Khoong”."
    )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


class RegistryAdmin(FoldedSearchMixin, SimpleHistoryAdmin):
    """Base admin for every editable record: folded search, the change history and counts
    from the answer cache."""

    list_per_page = 50
    paginator = CachedCountPaginator
    object_history_list_template = "registry/history_list.html"


class NeverDeletedAdmin(RegistryAdmin):
    """Codes are revoked, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FilterSetListFilter(admin.SimpleListFilter):
    """An admin list filter that filters through the resource's FilterSet, so the admin and
    the API mean the same thing by ``?market=AU&status=suspended``."""

    filterset_class = None
    #: other query parameters this filter reads too (``status`` needs ``market``)
    with_parameters: tuple[str, ...] = ()

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        data = {self.parameter_name: self.value()}
        for name in self.with_parameters:
            if request.GET.get(name):
                data[name] = request.GET[name]
        filterset = self.filterset_class(data, queryset=queryset)
        if not filterset.is_valid():
            raise IncorrectLookupParameters(filterset.errors)
        return filterset.qs


def list_filter(filterset_class, parameter: str, title, lookups, with_parameters=()):
    """Build a ``FilterSetListFilter`` for one FilterSet parameter; ``lookups(request,
    model_admin)`` returns the (value, label) choices to offer."""

    return type(
        f"{parameter.title().replace('_', '')}ListFilter",
        (FilterSetListFilter,),
        {
            "filterset_class": filterset_class,
            "parameter_name": parameter,
            "title": title,
            "with_parameters": tuple(with_parameters),
            "lookups": lambda self, request, model_admin: lookups(request, model_admin),
        },
    )
