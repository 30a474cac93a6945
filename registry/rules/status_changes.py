"""The registry's domain rules, in one place.

- How a code is written (``normalise_code``).
- How long a VietGAP certificate may run and what state it is in on a date.
- Which status changes are allowed, and how one is recorded (``change_status``).
- What "valid for market M on date D" means: the code's status for M on D, read from its
  history, is *active*, and its VietGAP basis, if it has one, was issued and neither expired
  nor revoked on D. The SQL form (``valid_on_q``) serves the API list filter and the bulk check
  (``check_codes``) alike, so the two cannot disagree.

Views, admin actions, imports and commands call these functions; none re-implements them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    AreaCode,
    CertificateValidity,
    ChangeSource,
    CodeStatus,
    Market,
    PackingHouse,
    VietGAPCertificate,
)

# --- Codes ----------------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212_]")
_SPACES = re.compile(r"\s+")


def normalise_code(raw: str) -> str:
    """``" vn–slor–0001 "`` → ``"VN-SLOR-0001"``: trimmed, upper-case, plain hyphens."""
    return _SPACES.sub("", _DASHES.sub("-", raw)).upper()


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


# --- Certificates ---------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_allowed_expiry(issued_on: date) -> date:
    """A VietGAP certificate runs at most 2 years from issue, extended by at most 3 months."""
    return add_months(issued_on, 27)


def expiring_window() -> timedelta:
    return timedelta(days=settings.REGISTRY_EXPIRING_WITHIN_DAYS)


def certificate_validity(certificate: VietGAPCertificate, on: date | None = None) -> str:
    return validity_of(certificate.expires_on, certificate.revoked_on, on)


def validity_of(expires_on: date, revoked_on: date | None, on: date | None = None) -> str:
    """Valid, expiring, expired or revoked on ``on`` (default today), from the two dates."""
    on = on or today()
    if revoked_on and revoked_on <= on:
        return CertificateValidity.REVOKED
    if expires_on < on:
        return CertificateValidity.EXPIRED
    if expires_on <= on + expiring_window():
        return CertificateValidity.EXPIRING
    return CertificateValidity.VALID


def certificate_validity_q(validity: str, on: date | None = None, prefix: str = "") -> Q:
    """The queryset form of ``certificate_validity``; ``prefix`` reaches it through a relation."""
    on = on or today()
    p = f"{prefix}__" if prefix else ""
    not_revoked = Q(**{f"{p}revoked_on__isnull": True}) | Q(**{f"{p}revoked_on__gt": on})
    if validity == CertificateValidity.REVOKED:
        return Q(**{f"{p}revoked_on__lte": on})
    if validity == CertificateValidity.EXPIRED:
        return not_revoked & Q(**{f"{p}expires_on__lt": on})
    if validity == CertificateValidity.EXPIRING:
        return not_revoked & Q(
            **{f"{p}expires_on__gte": on, f"{p}expires_on__lte": on + expiring_window()}
        )
    if validity == CertificateValidity.VALID:
        return not_revoked & Q(**{f"{p}expires_on__gt": on + expiring_window()})
    raise ValueError(f"Unknown certificate validity: {validity}")


def certificate_in_force_q(on: date, prefix: str = "certificate") -> Q:
    """A code's VietGAP basis holds on ``on``: none is required, or it is in force that day."""
    p = f"{prefix}__"
    return Q(**{f"{p}isnull": True}) | (
        Q(**{f"{p}issued_on__lte": on, f"{p}expires_on__gte": on})
        & (Q(**{f"{p}revoked_on__isnull": True}) | Q(**{f"{p}revoked_on__gt": on}))
    )


def certificate_problem(certificate: VietGAPCertificate | None, on: date) -> str | None:
    """Why a VietGAP basis does not hold on ``on``, or ``None`` when it does."""
    if certificate is None:
        return None
    if certificate.revoked_on and certificate.revoked_on <= on:
        return _("its VietGAP basis %(number)s was revoked on %(date)s: %(reason)s") % {
            "number": certificate.number,
            "date": certificate.revoked_on.isoformat(),
            "reason": certificate.revocation_reason,
        }
    if certificate.expires_on < on:
        return _("its VietGAP basis %(number)s expired on %(date)s") % {
            "number": certificate.number,
            "date": certificate.expires_on.isoformat(),
        }
    if certificate.issued_on > on:
        return _("its VietGAP basis %(number)s was only issued on %(date)s") % {
            "number": certificate.number,
            "date": certificate.issued_on.isoformat(),
        }
    return None


# --- Status history -------------------------------------------------------------------------

#: Which status a code may move to from its current one (``None``: not yet registered).
ALLOWED_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({CodeStatus.ACTIVE}),
    CodeStatus.ACTIVE: frozenset({CodeStatus.SUSPENDED, CodeStatus.REVOKED}),
    CodeStatus.SUSPENDED: frozenset({CodeStatus.ACTIVE, CodeStatus.REVOKED}),
    CodeStatus.REVOKED: frozenset(),
}


class TransitionError(ValidationError):
    """A status change the rules do not allow; its message says why."""


def status_models(subject_model: type[models.Model]) -> tuple[type, type]:
    """(current status model, history model) of ``AreaCode`` or ``PackingHouse``."""
    return (
        subject_model.market_statuses.rel.related_model,
        subject_model.status_changes.rel.related_model,
    )


def _history_as_of(subject_model, on: date, market=None):
    _, history = status_models(subject_model)
    changes = history.objects.filter(subject=OuterRef("pk"), effective_on__lte=on)
    if market is not None:
        changes = changes.filter(market=market)
    return changes.order_by("-effective_on", "-id")


def annotate_status_on(queryset: models.QuerySet, market: Market, on: date) -> models.QuerySet:
    """Add ``status_on``, ``status_since`` and ``status_reason``: the newest history entry for
    ``market`` effective on or before ``on`` (NULLs when the code had no status for it)."""
    changes = _history_as_of(queryset.model, on, market)
    return queryset.annotate(
        status_on=Subquery(changes.values("to_status")[:1]),
        status_since=Subquery(changes.values("effective_on")[:1]),
        status_reason=Subquery(changes.values("reason")[:1]),
    )


def valid_on_q(subject_model, markets: Iterable[Market], on: date) -> Q:
    """Codes valid on ``on`` for at least one of ``markets`` (see the module docstring)."""
    _, history = status_models(subject_model)
    newest_for_market = (
        history.objects.filter(
            subject=OuterRef("subject"), market=OuterRef("market"), effective_on__lte=on
        )
        .order_by("-effective_on", "-id")
        .values("id")[:1]
    )
    active_then = history.objects.filter(
        subject=OuterRef("pk"),
        market__in=list(markets),
        effective_on__lte=on,
        to_status=CodeStatus.ACTIVE,
        id=Subquery(newest_for_market),
    )
    condition = Q(Exists(active_then))
    if subject_model is AreaCode:
        condition &= certificate_in_force_q(on)
    return condition


@transaction.atomic
def change_status(
    subject: AreaCode | PackingHouse,
    to_status: str,
    *,
    markets: Sequence[Market] | None = None,
    effective_on: date | None = None,
    reason: str,
    source: str,
    reference: str = "",
    user=None,
) -> list:
    """Move ``subject`` to ``to_status`` for ``markets`` (None: every market it has a status
    for), record one history entry per market, and return them.

    The row is locked first, so two people changing the same code at once are serialised and
    the second sees the first's result. Every market is checked before anything is written:
    either all markets change or none does.
    """
    current_model, history_model = status_models(type(subject))
    type(subject).objects.select_for_update().get(pk=subject.pk)
    effective_on = effective_on or today()
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError({"reason": _("Give the reason for the change.")})
    if source not in ChangeSource.values:
        raise TransitionError({"source": _("Unknown source: %(source)s") % {"source": source}})
    if to_status not in CodeStatus.values:
        raise TransitionError({"to_status": _("Unknown status: %(s)s") % {"s": to_status}})
    if effective_on > today():
        raise TransitionError(
            {"effective_on": _("A change cannot take effect in the future; record it that day.")}
        )
    currents = {c.market_id: c for c in current_model.objects.filter(subject=subject)}
    if markets is None:
        markets = list(Market.objects.filter(pk__in=currents))
        if not markets:
            raise TransitionError(
                {"markets": _("%(code)s has no market yet; name one.") % {"code": subject.code}}
            )
    errors = [
        problem
        for market in markets
        if (
            problem := transition_problem(
                subject, market, currents.get(market.pk), to_status, effective_on
            )
        )
    ]
    if errors:
        raise TransitionError({"to_status": errors})

    recorded = []
    for market in markets:
        current = currents.get(market.pk)
        recorded.append(
            history_model.objects.create(
                subject=subject,
                market=market,
                from_status=current.status if current else "",
                to_status=to_status,
                effective_on=effective_on,
                reason=reason,
                source=source,
                reference=reference,
                recorded_by=user,
            )
        )
        current_model.objects.update_or_create(
            subject=subject,
            market=market,
            defaults={"status": to_status, "since": effective_on, "reason": reason},
        )
    type(subject).objects.filter(pk=subject.pk).update(updated_at=timezone.now())
    return recorded


def transition_problem(subject, market: Market, current, to_status: str, effective_on: date):
    """Why ``subject`` may not move to ``to_status`` for ``market`` (``current`` is its current
    status row for that market, or None), or ``None`` when it may."""
    from_status = current.status if current else None
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        return _transition_refusal(subject, market, from_status, to_status)
    if to_status == CodeStatus.ACTIVE and not code_matches_market(subject, market):
        return _("%(code)s does not match the code format required for %(market)s.") % {
            "code": subject.code,
            "market": market.code,
        }
    if current and effective_on < current.since:
        return _(
            "%(code)s changed status for %(market)s on %(since)s; a new change cannot "
            "take effect before that."
        ) % {"code": subject.code, "market": market.code, "since": current.since}
    return None


def _transition_refusal(subject, market, from_status, to_status) -> str:
    names = dict(CodeStatus.choices)
    if from_status == CodeStatus.REVOKED:
        return _("%(code)s is revoked for %(market)s; revocation is final.") % {
            "code": subject.code,
            "market": market.code,
        }
    if from_status is None:
        return _(
            "%(code)s has no status for %(market)s yet; it can only be registered as active."
        ) % {"code": subject.code, "market": market.code}
    return _("%(code)s cannot go from %(from)s to %(to)s for %(market)s.") % {
        "code": subject.code,
        "market": market.code,
        "from": names[from_status],
        "to": names.get(to_status, to_status),
    }


# --- Bulk check -----------------------------------------------------------------------------


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
