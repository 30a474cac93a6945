"""What a code must look like for a market, and advice that does not block saving."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from registry.models import AreaCode, Market, PackingHouse


def code_matches_market(subject: AreaCode | PackingHouse, market: Market) -> bool:
    pattern = (
        market.packing_house_code_pattern
        if isinstance(subject, PackingHouse)
        else market.area_code_pattern
    )
    return not pattern or re.fullmatch(pattern, subject.code) is not None


def area_warnings(area_code: AreaCode) -> list[str]:
    """Advice that does not block saving (the minimum export area is not a confirmed rule)."""
    minimum = settings.REGISTRY_MIN_EXPORT_AREA_HA
    if area_code.kind == "export" and area_code.area_ha is not None and area_code.area_ha < minimum:
        return [
            _(
                "%(code)s covers %(area)s ha, less than the %(minimum)s ha usually expected of an "
                "export growing area."
            )
            % {"code": area_code.code, "area": area_code.area_ha, "minimum": minimum}
        ]
    return []
