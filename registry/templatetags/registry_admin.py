"""Filters for the registry's admin templates."""

from django import template

from registry.admin.mixins import shown_reason as _shown_reason

register = template.Library()


@register.filter
def shown_reason(reason):
    """``registry.admin.mixins.shown_reason``: the registry's own reasons translated."""
    return _shown_reason(reason)
