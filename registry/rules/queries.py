"""The rules as query expressions, for lists, downloads, the admin and the bulk check.

Each is the SQL form of a Python rule in ``registry.rules.dates`` or ``.transitions``;
tests/test_rule_forms.py checks the two forms against each other.

"Valid for market M on date D" (``valid_on_q``): the code's status for M on D, read from its
history, is *active*, and its VietGAP basis, if it has one, was issued and neither expired nor
revoked on D. The API list filter and the bulk check both use it, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery

from registry.choices import CertificateValidity, CodeStatus
from registry.models import AreaCode, Market
from registry.rules.dates import expiring_window, today


def certificate_validity_q(validity: str, on: date | None = None, prefix: str = "") -> Q:
    """The query form of ``dates.certificate_validity``; ``prefix`` reaches it through a
    relation."""
    on = on or today()
    p = f"{prefix}__" if prefix else ""
    not_revoked = Q(**{f"{p}revoked_on__isnull": True}) | Q(**{f"{p}revoked_on__gt": on})
    if validity == CertificateValidity.REVOKED:
        return Q(**{f"{p}revoked_on__lte": on})
    if validity == CertificateValidity.NOT_YET_VALID:
        return not_revoked & Q(**{f"{p}issued_on__gt": on})
    not_revoked &= Q(**{f"{p}issued_on__lte": on})  # issued: the states below
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
    """The query form of ``dates.certificate_in_force``: a code's VietGAP basis holds on
    ``on``: none is required, or it is in force that day."""
    p = f"{prefix}__"
    return Q(**{f"{p}isnull": True}) | (
        Q(**{f"{p}issued_on__lte": on, f"{p}expires_on__gte": on})
        & (Q(**{f"{p}revoked_on__isnull": True}) | Q(**{f"{p}revoked_on__gt": on}))
    )


def status_models(subject_model: type[models.Model]) -> tuple[type, type]:
    """(current status model, history model) of ``AreaCode`` or ``PackingHouse``."""
    return (
        subject_model.market_statuses.rel.related_model,
        subject_model.status_changes.rel.related_model,
    )


def status_now_q(
    statuses: Iterable[str], markets: Iterable[Market] | None = None, prefix: str = ""
) -> Q:
    """Current status rows with one of ``statuses`` (for one of ``markets``, when given);
    ``prefix`` reaches the rows through a relation."""
    p = f"{prefix}__" if prefix else ""
    condition = Q(**{f"{p}status__in": list(statuses)})
    if markets is not None:
        condition &= Q(**{f"{p}market__in": list(markets)})
    return condition


def active_now_q(markets: Iterable[Market] | None = None, prefix: str = "") -> Q:
    """The query form of ``transitions.is_active`` on the current status rows."""
    return status_now_q([CodeStatus.ACTIVE], markets, prefix)


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


def active_on_exists(subject_model, on: date, subject=None, market=None) -> Exists:
    """The status part of "valid for M on D" as one EXISTS: the newest history entry of
    ``subject`` (default: the outer row) for ``market`` (a market, a list of markets, or an
    outer reference such as ``OuterRef("market")``) effective on or before ``on`` is
    *active*."""
    _, history = status_models(subject_model)
    newest_for_market = (
        history.objects.filter(
            subject=OuterRef("subject"), market=OuterRef("market"), effective_on__lte=on
        )
        .order_by("-effective_on", "-id")
        .values("id")[:1]
    )
    market_lookup = (
        {"market__in": list(market)}
        if isinstance(market, Iterable) and not isinstance(market, models.Model)
        else {"market": market}
    )
    active_then = history.objects.filter(
        subject=subject if subject is not None else OuterRef("pk"),
        effective_on__lte=on,
        to_status=CodeStatus.ACTIVE,
        id=Subquery(newest_for_market),
        **market_lookup,
    )
    return Exists(active_then)


def valid_on_q(subject_model, markets: Iterable[Market], on: date) -> Q:
    """Codes valid on ``on`` for at least one of ``markets`` (see the module docstring)."""
    condition = Q(active_on_exists(subject_model, on, market=list(markets)))
    if subject_model is AreaCode:
        condition &= certificate_in_force_q(on)
    return condition
