"""What an inspection proposes, and the one-click confirmation of it.

A non-compliant result, or a sample above its limit, *proposes* suspending the inspected code
for the markets concerned (the inspection's markets, or every market when it names none) where
the code is still active. Nothing suspends on saving: an administrator with the permission to
change statuses confirms, and the suspension goes through ``status_changes.change_status``
with the source "local inspection" and the inspection's reference (``INS-<id>``). A market
already changed under that reference is not proposed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry.choices import ChangeSource, CodeStatus, InspectionResult
from registry.models import Inspection, Market
from registry.rules import status_changes
from registry.rules.queries import status_models


@dataclass(frozen=True)
class SuspensionProposal:
    inspection: Inspection
    markets: list[Market]
    reason: str


def grounds(inspection: Inspection) -> list[str]:
    """Why the inspection calls for a suspension (empty: it does not)."""
    found = []
    if inspection.result == InspectionResult.NON_COMPLIANT:
        found.append(_("non-compliant inspection"))
    for sample in inspection.samples.all():
        if sample.exceeded:
            found.append(
                _("%(substance)s above its limit (%(value)s > %(limit)s %(unit)s)")
                % {
                    "substance": sample.substance,
                    "value": "?" if sample.result_value is None else sample.result_value,
                    "limit": "?" if sample.limit_value is None else sample.limit_value,
                    "unit": sample.unit,
                }
            )
    return found


def proposed_suspension(inspection: Inspection) -> SuspensionProposal | None:
    """The suspension this inspection proposes and that has not been recorded yet, or None."""
    reasons = grounds(inspection)
    if not reasons:
        return None
    subject = inspection.subject
    current_model, history_model = status_models(type(subject))
    concerned = list(inspection.markets.all())
    active = current_model.objects.filter(subject=subject, status=CodeStatus.ACTIVE)
    if concerned:
        active = active.filter(market__in=concerned)
    done = history_model.objects.filter(
        subject=subject, source=ChangeSource.LOCAL_INSPECTION, reference=inspection.reference
    ).values("market")
    markets = list(
        Market.objects.filter(pk__in=active.exclude(market__in=done).values("market")).order_by(
            "code"
        )
    )
    if not markets:
        return None
    reason = _("Inspection %(reference)s of %(date)s: %(grounds)s") % {
        "reference": inspection.reference,
        "date": inspection.inspected_on.isoformat(),
        "grounds": "; ".join(reasons),
    }
    return SuspensionProposal(inspection, markets, reason)


def confirm_suspension(inspection: Inspection, user) -> list:
    """Record the proposed suspension (all markets or none) and return the history entries.
    Refused without the permission to change statuses, or when nothing is proposed."""
    subject = inspection.subject
    if not status_changes.may_change_status(user, type(subject)):
        raise PermissionDenied(_("You may not change the status of codes."))
    proposal = proposed_suspension(inspection)
    if proposal is None:
        raise status_changes.StatusChangeError(
            {"markets": _("This inspection proposes no suspension (any more).")}
        )
    return status_changes.change_status(
        subject,
        CodeStatus.SUSPENDED,
        markets=proposal.markets,
        reason=proposal.reason,
        source=ChangeSource.LOCAL_INSPECTION,
        reference=inspection.reference,
        user=user,
    )
