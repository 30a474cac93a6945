"""The bulk check: whether each of many codes is valid for one market on one date, and why
not. ``valid`` comes from ``queries.valid_on_q``, the same SQL as the list filter. With a
packing house, also whether that house may pack each code (``registry.rules.packing``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from registry.choices import CodeStatus
from registry.keys import normalise_code
from registry.models import AreaCode, Market, PackingHouse, PackingHouseSource
from registry.rules.dates import certificate_problem
from registry.rules.packing import Window, packing_verdict
from registry.rules.queries import annotate_status_on, valid_on_q


@dataclass(slots=True)
class CodeCheck:
    code: str
    exists: bool
    kind: str | None
    valid: bool
    status: str | None
    status_since: date | None
    reason: str
    #: with a packing house: whether it may pack this code (``None`` without one)
    packing: PackingCheck | None = None
    #: the record read (for the packing check; not part of the answer)
    row: object = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class PackingCheck:
    allowed: bool
    reason: str
    #: the link in force on the date (its importing country's number, its window)
    registration_number: str | None
    valid_from: date | None
    valid_until: date | None


def _read(model, codes: set[str], market: Market, on: date):
    """The rows of ``codes``, each with its status for ``market`` on ``on`` and whether it is
    valid then: one query."""
    queryset = annotate_status_on(model.objects.filter(code__in=codes), market, on)
    queryset = queryset.annotate(
        valid_on_date=Case(
            When(valid_on_q(model, [market], on), then=Value(True)),
            default=Value(False),
        )
    )
    if model is AreaCode:
        # only what the reasons read: building 1,000 full rows was a third of the check's time
        return queryset.select_related("certificate").only("code", *CERTIFICATE_FIELDS)
    return queryset.only("code")


#: what ``dates.certificate_problem`` reads of a code's VietGAP basis
CERTIFICATE_FIELDS = [
    f"certificate__{name}"
    for name in ("number", "issued_on", "expires_on", "revoked_on", "revocation_reason")
]


def packing_house_on(raw_code: str, market: Market, on: date) -> CodeCheck | None:
    """The packing house's own check for ``market`` on ``on`` (``None``: no such packing
    house), with its row as ``.row``: one query."""
    row = _read(PackingHouse, {normalise_code(raw_code)}, market, on).first()
    return None if row is None else _explain(raw_code, ("packing_house", row), market, on)


def check_codes(
    raw_codes: Sequence[str], market: Market, on: date, house: CodeCheck | None = None
) -> list[CodeCheck]:
    """Answer, for each code in the order given, whether it is valid for ``market`` on ``on``,
    and with ``house`` (from ``packing_house_on``) whether that house may pack it.

    Two queries whatever the number of codes (area codes, then packing houses), one more for
    the house's links; ``valid`` comes from ``valid_on_q``, the same SQL as the list filter.
    """
    wanted = {normalise_code(raw) for raw in raw_codes}
    found: dict[str, tuple[str, object]] = {}
    for kind, model in (("area_code", AreaCode), ("packing_house", PackingHouse)):
        remaining = wanted - found.keys()
        if not remaining:
            break
        for row in _read(model, remaining, market, on):
            found[row.code] = (kind, row)
    checks = [_explain(raw, found.get(normalise_code(raw)), market, on) for raw in raw_codes]
    if house is None:
        return checks
    windows = _windows(house, [row for kind, row in found.values() if kind == "area_code"], market)
    for check in checks:
        check.packing = _packing(check, house, windows, market, on)
    return checks


def _windows(house: CodeCheck, area_codes: list, market: Market) -> dict[str, list[Window]]:
    """The house's links for ``market`` to the found area codes, any dates: one query."""
    windows: dict[str, list[Window]] = {}
    if not area_codes:
        return windows
    code_of = {row.pk: row.code for row in area_codes}
    links = PackingHouseSource.objects.filter(
        packing_house=house.row, market=market, area_code_id__in=list(code_of)
    ).values_list("area_code_id", "valid_from", "valid_until", "registration_number")
    for area_code_id, valid_from, valid_until, number in links:
        windows.setdefault(code_of[area_code_id], []).append(
            Window(valid_from, valid_until, number)
        )
    return windows


def _packing(
    check: CodeCheck, house: CodeCheck, windows: dict[str, list[Window]], market: Market, on: date
) -> PackingCheck:
    if not check.exists:
        return PackingCheck(False, check.reason, None, None, None)
    if check.kind != "area_code":
        reason = _("%(code)s is a packing-house code, not a growing-area code.") % {
            "code": check.row.code
        }
        return PackingCheck(False, reason, None, None, None)
    link, problem = packing_verdict(
        house.row.code,
        check.row.code,
        market.code,
        on,
        windows.get(check.row.code, []),
        None if check.valid else check.reason or _("not valid"),
        None if house.valid else house.reason or _("not valid"),
    )
    if link is None:
        return PackingCheck(False, problem, None, None, None)
    return PackingCheck(
        problem is None, problem or "", link.registration_number, link.valid_from, link.valid_until
    )


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
    return CodeCheck(raw, True, kind, bool(row.valid_on_date), status, since, reason, row=row)
