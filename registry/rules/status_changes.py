"""The one service that changes a code's status, and who may. The API's status-changes
endpoint, the admin actions and the spreadsheet import ask ``may_change_status`` first; they
and ``expire_records`` all record the change through ``change_status`` (one code) or
``change_statuses`` (many codes at once, for imports: the same checks, in a constant number of
queries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import changes as change_feed
from registry.choices import ChangeSource, CodeStatus
from registry.models import AreaCode, Market, PackingHouse
from registry.rules.codes import code_matches_market
from registry.rules.dates import today
from registry.rules.queries import status_models
from registry.rules.transitions import ALLOWED_TRANSITIONS


class StatusChangeError(ValidationError):
    """A status change that is refused (a transition the rules forbid, a missing reason, an
    unknown source...); its message says why, per field."""


def may_change_status(user, subject_model: type[models.Model]) -> bool:
    """Whether ``user`` may suspend, reinstate or revoke codes of ``subject_model``."""
    opts = subject_model._meta
    return bool(
        user and user.is_authenticated and user.has_perm(f"{opts.app_label}.change_code_status")
    )


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
        raise StatusChangeError({"reason": _("Give the reason for the change.")})
    if source not in ChangeSource.values:
        raise StatusChangeError({"source": _("Unknown source: %(source)s") % {"source": source}})
    if to_status not in CodeStatus.values:
        raise StatusChangeError({"to_status": _("Unknown status: %(s)s") % {"s": to_status}})
    if effective_on > today():
        raise StatusChangeError(
            {"effective_on": _("A change cannot take effect in the future; record it that day.")}
        )
    currents = {c.market_id: c for c in current_model.objects.filter(subject=subject)}
    if markets is None:
        markets = list(Market.objects.filter(pk__in=currents))
        if not markets:
            raise StatusChangeError(
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
        raise StatusChangeError({"to_status": errors})

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
    change_feed.record_status_changes(type(subject), recorded)
    return recorded


@transaction.atomic
def change_statuses(
    subject_model: type[AreaCode] | type[PackingHouse],
    changes: Sequence[tuple[AreaCode | PackingHouse, Market, str]],
    *,
    reason: str,
    source: str,
    user=None,
) -> list:
    """``change_status`` for many codes at once: each ``(subject, market, to_status)`` takes
    effect today. The rows are locked first (in primary-key order, so two such calls cannot
    deadlock), every change is checked against the statuses as they are under the lock, and
    either all are recorded or none is (``StatusChangeError`` lists every refusal). One history
    entry per change, as ``change_status`` writes; the queries do not grow with the changes."""
    if not changes:
        return []
    current_model, history_model = status_models(subject_model)
    reason = (reason or "").strip()
    if not reason:
        raise StatusChangeError({"reason": _("Give the reason for the change.")})
    if source not in ChangeSource.values:
        raise StatusChangeError({"source": _("Unknown source: %(source)s") % {"source": source}})
    pks = sorted({subject.pk for subject, _market, _to in changes})
    list(subject_model.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))
    currents = {
        (c.subject_id, c.market_id): c for c in current_model.objects.filter(subject_id__in=pks)
    }
    effective_on = today()
    errors = []
    for subject, market, to_status in changes:
        if to_status not in CodeStatus.values:
            errors.append(_("Unknown status: %(s)s") % {"s": to_status})
        elif problem := transition_problem(
            subject, market, currents.get((subject.pk, market.pk)), to_status, effective_on
        ):
            errors.append(problem)
    if errors:
        raise StatusChangeError({"to_status": errors})
    recorded = history_model.objects.bulk_create(
        [
            history_model(
                subject=subject,
                market=market,
                from_status=current.status
                if (current := currents.get((subject.pk, market.pk)))
                else "",
                to_status=to_status,
                effective_on=effective_on,
                reason=reason,
                source=source,
                recorded_by=user,
            )
            for subject, market, to_status in changes
        ]
    )
    current_model.objects.bulk_create(
        [
            current_model(
                subject=subject,
                market=market,
                status=to_status,
                since=effective_on,
                reason=reason,
            )
            for subject, market, to_status in changes
        ],
        update_conflicts=True,
        unique_fields=["subject", "market"],
        update_fields=["status", "since", "reason", "updated_at"],
    )
    subject_model.objects.filter(pk__in=pks).update(updated_at=timezone.now())
    change_feed.record_status_changes(subject_model, recorded)
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
