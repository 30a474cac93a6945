"""Ordering that answers 400 for a field it does not know, and always ends on a unique key."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        fields = [param.strip() for param in params.split(",") if param.strip()]
        allowed = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [f for f in fields if f.lstrip("-") not in allowed]
        if unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Cannot order by %(unknown)s. Choose from: %(allowed)s.")
                        % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                    ]
                }
            )
        # A unique tie-breaker keeps pages stable when the chosen field has duplicates.
        return [*fields, "pk"]
