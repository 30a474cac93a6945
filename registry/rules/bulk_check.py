"""The bulk check: whether each of many codes is valid for one market on one date, and why
not. ``valid`` comes from ``queries.valid_on_q``, the same SQL as the list filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from registry.choices import CodeStatus
from registry.keys import normalise_code
from registry.models import AreaCode, Market, PackingHouse
from registry.rules.dates import certificate_problem
from registry.rules.queries import annotate_status_on, valid_on_q


@dataclass(frozen=True)
class CodeCheck:
    code: str
    exists: bool
    kind: str | None
    valid: bool
    status: str | None
    status_since: date | None
    reason: str


def check_codes(raw_codes: Sequence[str], market: Market, on: date) -> list[CodeCheck]:
    """Answer, for each code in the order given, whether it is valid for ``market`` on ``on``.

    Two queries whatever the number of codes (area codes, then packing houses), and ``valid``
    comes from ``valid_on_q``, the same SQL as the list filter.
    """
    wanted = {normalise_code(raw) for raw in raw_codes}
    found: dict[str, tuple[str, object]] = {}
    for kind, model in (("area_code", AreaCode), ("packing_house", PackingHouse)):
        remaining = wanted - found.keys()
        if not remaining:
            break
        queryset = annotate_status_on(model.objects.filter(code__in=remaining), market, on)
        queryset = queryset.annotate(
            valid_on_date=Case(
                When(valid_on_q(model, [market], on), then=Value(True)),
                default=Value(False),
            )
        )
        if model is AreaCode:
            queryset = queryset.select_related("certificate")
        for row in queryset:
            found[row.code] = (kind, row)
    return [_explain(raw, found.get(normalise_code(raw)), market, on) for raw in raw_codes]


def _explain(raw: str, hit, market: Market, on: date) -> CodeCheck:
    if hit is None:
        return CodeCheck(
            raw,
            False,
            None,
            False,
            None,
            None,
            _("Unknown code: no growing-area or packing-house code %(code)s is registered.")
            % {"code": normalise_code(raw)},
        )
    kind, row = hit
    status, since = row.status_on, row.status_since
    args = {
        "market": market.code,
        "since": since.isoformat() if since else "",
        "reason": row.status_reason or "",
    }
    if status is None:
        reason = _("Not registered for %(market)s on %(date)s.") % {
            "market": market.code,
            "date": on.isoformat(),
        }
    elif status == CodeStatus.SUSPENDED:
        reason = _("Suspended for %(market)s since %(since)s: %(reason)s") % args
    elif status == CodeStatus.REVOKED:
        reason = _("Revoked for %(market)s since %(since)s: %(reason)s") % args
    else:
        problem = certificate_problem(getattr(row, "certificate", None), on)
        reason = (
            (
                _("Active for %(market)s, but %(problem)s.")
                % {"market": market.code, "problem": problem}
            )
            if problem
            else ""
        )
    return CodeCheck(raw, True, kind, bool(row.valid_on_date), status, since, reason)
