"""``limit``/``offset`` pagination that refuses bad values instead of ignoring them."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from registry import counting


def _non_negative_int(request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"'{raw}' is not a whole number."]}) from None
    if value < 0:
        raise ValidationError({name: ["Must be zero or more."]})
    return value


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000

    def get_limit(self, request):
        limit = _non_negative_int(request, self.limit_query_param, self.default_limit)
        if limit == 0:
            raise ValidationError({self.limit_query_param: ["Must be at least 1."]})
        if limit > self.max_limit:
            raise ValidationError({self.limit_query_param: [f"Must be at most {self.max_limit}."]})
        return limit

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param, 0)

    def get_count(self, queryset):
        return counting.count(queryset)
