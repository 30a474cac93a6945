"""May packing house P pack growing-area code A for market M on date D?

Yes when all three hold on D:

1. a link P ← A for M (``PackingHouseSource``) is in force: ``valid_from <= D`` and
   ``valid_until`` empty or ``>= D`` (both days included);
2. A is valid for M on D (``queries.valid_on_q``: active for M, VietGAP basis in force);
3. P is valid for M on D (the same rule for packing houses: active for M).

``link_in_force`` / ``link_in_force_q`` are the two forms of (1); ``may_pack_q`` is the whole
rule as a query over links (the ``valid_on`` filter of the links' lists), and
``packing_verdict`` the whole rule in Python over what the bulk check read, with the reason
when the answer is no. tests/test_packing_sources.py holds them against one table of cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.db.models import OuterRef, Q
from django.utils.translation import gettext as _

from registry.models import AreaCode, PackingHouse
from registry.rules.queries import active_on_exists, certificate_in_force_q


def link_in_force(valid_from: date, valid_until: date | None, on: date) -> bool:
    return valid_from <= on and (valid_until is None or on <= valid_until)


def link_in_force_q(on: date, prefix: str = "") -> Q:
    """The query form of ``link_in_force``."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}valid_from__lte": on}) & (
        Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": on})
    )


def may_pack_q(on: date) -> Q:
    """Links (``PackingHouseSource`` rows) under which the packing house may pack the code for
    the link's market on ``on``: the rule of the module docstring, as one condition."""
    return (
        link_in_force_q(on)
        & Q(
            active_on_exists(AreaCode, on, subject=OuterRef("area_code"), market=OuterRef("market"))
        )
        & certificate_in_force_q(on, prefix="area_code__certificate")
        & Q(
            active_on_exists(
                PackingHouse, on, subject=OuterRef("packing_house"), market=OuterRef("market")
            )
        )
    )


class Window(NamedTuple):
    """One link's dates (and the importing country's number for the pair)."""

    valid_from: date
    valid_until: date | None
    registration_number: str = ""


def window_on(windows: Iterable[Window], on: date) -> Window | None:
    """The link in force on ``on`` (windows of one pair and market never overlap)."""
    return next((w for w in windows if link_in_force(w.valid_from, w.valid_until, on)), None)


def packing_verdict(
    house: str,
    code: str,
    market: str,
    on: date,
    windows: list[Window],
    code_problem: str | None,
    house_problem: str | None,
) -> tuple[Window | None, str | None]:
    """(the link in force on ``on``, why ``house`` may not pack ``code`` for ``market`` that
    day or ``None`` when it may).

    ``windows`` are the pair's links for the market (any dates); ``code_problem`` and
    ``house_problem`` say why the code or the house is not valid for the market that day
    (``None``: valid). The link is explained first, since it is what the pair is about."""
    args = {"house": house, "code": code, "market": market, "date": on.isoformat()}
    link = window_on(windows, on)
    if link is None:
        if not windows:
            return None, _("%(house)s has no link to %(code)s for %(market)s.") % args
        later = sorted(w.valid_from for w in windows if w.valid_from > on)
        if later:
            return None, _(
                "The link of %(house)s to %(code)s for %(market)s starts on %(start)s."
            ) % {**args, "start": later[0].isoformat()}
        ended = max(w.valid_until for w in windows if w.valid_until is not None)
        return None, _("The link of %(house)s to %(code)s for %(market)s ended on %(end)s.") % {
            **args,
            "end": ended.isoformat(),
        }
    if code_problem:
        return link, _("%(code)s is not valid for %(market)s on %(date)s: %(problem)s") % {
            **args,
            "problem": code_problem,
        }
    if house_problem:
        return link, _(
            "The packing house %(house)s is not valid for %(market)s on %(date)s: %(problem)s"
        ) % {**args, "problem": house_problem}
    return link, None
