"""``limit``/``offset`` pagination that refuses bad values instead of ignoring them, and a
keyset mode (``?cursor=``) whose pages cost the same at any depth (registry.api.keyset)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from registry import answer_cache
from registry.api import keyset


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


class RegistryPagination(StrictLimitOffsetPagination):
    """Offset paging by default; keyset paging when the request carries ``cursor`` (empty for
    the first page). A keyset page has no ``count`` (counting is what a deep page must not
    pay for) and no ``previous``: it is made for walking a list forwards, to mirror it."""

    cursor_query_param = keyset.PARAM

    def uses_cursor(self, request) -> bool:
        return self.cursor_query_param in request.query_params

    def window(self, queryset, request):
        if not self.uses_cursor(request):
            self.keys = None
            return super().window(queryset, request)
        self.request = request
        self.limit = self.get_limit(request)
        if request.query_params.get(self.offset_query_param):
            raise ValidationError({self.offset_query_param: [_("Cannot be combined with cursor.")]})
        self.keys = keyset.sort_keys(queryset)
        rows = keyset.ordered(queryset, self.keys)
        cursor = request.query_params.get(self.cursor_query_param, "")
        if cursor:
            rows = rows.filter(keyset.after(self.keys, keyset.decode(cursor, self.keys)))
        return rows[: self.limit + 1]

    def split(self, rows: list) -> tuple[list, str | None]:
        """The page's rows and the cursor of the next page (``None``: this is the last)."""
        if self.keys is None:
            return rows, None
        if len(rows) <= self.limit:
            return rows, None
        page = rows[: self.limit]
        values = keyset.row_values(page[-1], len(self.keys))
        return page, keyset.encode(self.keys, values)

    def paginate_queryset(self, queryset, request, view=None):
        if not self.uses_cursor(request):
            self.keys = None
            return super().paginate_queryset(queryset, request, view)
        rows = list(self.window(queryset, request))
        page, self.next_cursor = self.split(rows)
        return page

    def get_paginated_response(self, data):
        if self.keys is None:
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "results": data})

    def get_next_link(self):
        if self.keys is None:
            return super().get_next_link()
        if self.next_cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]
        answer["properties"]["count"]["description"] = "Offset paging only."
        answer["properties"]["previous"]["description"] = "Offset paging only."
        answer["properties"]["next"]["description"] = (
            "The next page, or null on the last (with cursor: the same cursor mode)."
        )
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset paging: send it empty for the first page, then follow `next`. "
                    "Pages cost the same at any depth; no `count`. Not with `offset`."
                ),
                "schema": {"type": "string"},
            },
        ]
