"""Behaviour shared by the registry's admin classes."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.templatetags.static import static
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry import answer_cache
from registry.imports import IMPORT_REASON
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


def shown_reason(reason: str | None) -> str:
    """A change reason as the admin shows it: the reasons the registry writes itself (an
    import's) are stored in English, like the API returns them, and shown in the reader's
    language; reasons people wrote are shown as written."""
    if reason in (IMPORT_REASON,):
        return gettext(reason)
    return reason or ""


def boolean_icon(value: bool | None):
    """Django's yes/no/unknown icon, its ``alt`` text in the reader's language (Django's own
    icon says "True" or "False" in every language)."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    alt = {True: _("Yes"), False: _("No"), None: _("Unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt)


class TranslatedBooleansMixin:
    """Boolean columns of a list (boolean fields, ``@admin.display(boolean=True)`` methods)
    shown with ``boolean_icon``, with the same title and sorting."""

    def get_list_display(self, request):
        return [self._boolean_column(name) for name in super().get_list_display(request)]

    def _boolean_column(self, name):
        if not isinstance(name, str) or name in self.list_editable:
            return name
        method = getattr(self, name, None)
        if callable(method) and getattr(method, "boolean", False):
            value = method
            description = getattr(method, "short_description", name)
            ordering = getattr(method, "admin_order_field", None)
        else:
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                return name
            if not isinstance(field, models.BooleanField):
                return name

            def value(obj):
                return getattr(obj, name)

            description, ordering = field.verbose_name, name

        @admin.display(description=description, ordering=ordering)
        def column(obj):
            return boolean_icon(value(obj))

        column.__name__ = name
        return column


class FoldedSearchMixin:
    """Search the folded ``search_text`` column: case and diacritics are ignored."""

    search_fields = ("search_text__contains",)
    search_help_text = _(
        "Search ignores case and diacritics: “chieng khoong” finds “Chiềng Khoong”."
    )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


class RegistryAdmin(TranslatedBooleansMixin, FoldedSearchMixin, SimpleHistoryAdmin):
    """Base admin for every editable record: folded search, the change history, counts from
    the answer cache and yes/no icons described in the reader's language."""

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
