"""``limit``/``offset`` pagination that refuses bad values instead of ignoring them."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from registry import answer_cache


def _non_negative_int(request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(
            {name: [_("'%(value)s' is not a whole number.") % {"value": raw}]}
        ) from None
    if value < 0:
        raise ValidationError({name: [_("Must be zero or more.")]})
    return value


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000

    def get_limit(self, request):
        limit = _non_negative_int(request, self.limit_query_param, self.default_limit)
        if limit == 0:
            raise ValidationError({self.limit_query_param: [_("Must be at least 1.")]})
        if limit > self.max_limit:
            raise ValidationError(
                {
                    self.limit_query_param: [
                        _("Must be at most %(limit)d.") % {"limit": self.max_limit}
                    ]
                }
            )
        return limit

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param, 0)

    def window(self, queryset, request):
        """Like ``paginate_queryset``, but the page's rows as an unevaluated queryset, so that
        they can be cached under their own SQL (registry.api.viewsets)."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        self.count = self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return queryset[self.offset : self.offset + self.limit]

    def get_count(self, queryset):
        return answer_cache.count(queryset)
