"""Certificate expiry and its consequence for the codes that rely on the certificate.

Run daily by ``manage.py expire_records``. For each VietGAP certificate past its expiry date
whose expiry has not been recorded yet: mark it, and suspend every market for which a code
relying on it is still active, with the source "certificate expiry" and a reason naming the
certificate, from the first day it no longer held. Running it again finds nothing to do.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from registry import changes as change_feed
from registry.models import ChangeSource, CodeStatus, VietGAPCertificate
from registry.rules import dates, status_changes, transitions

CHANGE_REASON = "manage.py expire_records"


@dataclass
class ExpirySummary:
    certificates: int = 0
    codes: int = 0
    per_cooperative: Counter = field(default_factory=Counter)  # name → codes affected
    certificates_per_cooperative: Counter = field(default_factory=Counter)


def record_expiries(today: date | None = None, *, dry_run: bool = False) -> ExpirySummary:
    """Record every unrecorded expiry up to ``today``. With ``dry_run`` the same work is done
    and then rolled back, so the summary is exactly what a real run would do."""
    today = today or dates.today()
    summary = ExpirySummary()
    with transaction.atomic():
        expired = (
            VietGAPCertificate.objects.select_for_update()
            .filter(expires_on__lt=today, expiry_recorded_at__isnull=True)
            .select_related("cooperative")
            .order_by("expires_on", "pk")
        )
        for certificate in expired:
            summary.certificates += 1
            summary.certificates_per_cooperative[certificate.cooperative.name] += 1
            affected = _suspend_codes_relying_on(certificate)
            summary.codes += affected
            if affected:
                summary.per_cooperative[certificate.cooperative.name] += affected
            certificate.expiry_recorded_at = timezone.now()
            certificate._change_reason = CHANGE_REASON
            certificate.save(update_fields=["expiry_recorded_at"])
            change_feed.record_certificate_expiry(certificate)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _suspend_codes_relying_on(certificate: VietGAPCertificate) -> int:
    first_invalid_day = certificate.expires_on + timedelta(days=1)
    reason = f"VietGAP basis {certificate.number} expired on {certificate.expires_on.isoformat()}"
    affected = 0
    for code in certificate.area_codes.prefetch_related("market_statuses__market"):
        active = [s for s in code.market_statuses.all() if transitions.is_active(s.status)]
        if not active:
            continue
        status_changes.change_status(
            code,
            CodeStatus.SUSPENDED,
            markets=[s.market for s in active],
            effective_on=max([first_invalid_day, *(s.since for s in active)]),
            reason=reason,
            source=ChangeSource.CERTIFICATE_EXPIRY,
            reference=certificate.number,
        )
        affected += 1
    return affected
