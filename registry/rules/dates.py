"""Certificate calendar and validity on a date, in Python. Pure: imports no models, so the
models use it (``latest_allowed_expiry``) without an import circle. The query forms of the
same rules are in ``registry.rules.queries``; tests/test_rule_forms.py holds them together."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.choices import CertificateValidity

if TYPE_CHECKING:
    from registry.models import VietGAPCertificate


def today() -> date:
    return timezone.localdate()


#: The window of dates anyone may write (models, hence the admin, the API and imports; the
#: API's date filters and the bulk check): none before EARLIEST, none more than YEARS_AHEAD
#: years after today. Outside it, the calendar rules would leave what Python can hold.
EARLIEST = date(1950, 1, 1)
YEARS_AHEAD = 10


def latest_writable() -> date:
    """The last date of the window: ten years after today."""
    return add_months(today(), 12 * YEARS_AHEAD)


def validate_in_window(value: date) -> None:
    """A model and form field validator: refuses a date outside [EARLIEST, latest_writable()]."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    latest = latest_writable()
    if not EARLIEST <= day <= latest:
        raise ValidationError(
            _("Enter a date from %(earliest)s to %(latest)s."),
            code="date_out_of_window",
            params={"earliest": EARLIEST.isoformat(), "latest": latest.isoformat()},
        )


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_allowed_expiry(issued_on: date) -> date:
    """A VietGAP certificate runs at most 2 years from issue, extended by at most 3 months
    (``date.max`` when that is past what Python holds: the date window refuses such dates, but a
    model's ``clean()`` runs even after a field failed validation)."""
    try:
        return add_months(issued_on, 27)
    except (ValueError, OverflowError):
        return date.max


def expiring_window() -> timedelta:
    return timedelta(days=settings.REGISTRY_EXPIRING_WITHIN_DAYS)


def certificate_validity(certificate: VietGAPCertificate, on: date | None = None) -> str:
    return validity_of(certificate.issued_on, certificate.expires_on, certificate.revoked_on, on)


def validity_of(
    issued_on: date, expires_on: date, revoked_on: date | None, on: date | None = None
) -> str:
    """Revoked, not yet in force, expired, expiring or valid on ``on`` (default today), from
    the three dates."""
    on = on or today()
    if revoked_on and revoked_on <= on:
        return CertificateValidity.REVOKED
    if issued_on > on:
        return CertificateValidity.NOT_YET_VALID
    if expires_on < on:
        return CertificateValidity.EXPIRED
    if expires_on <= on + expiring_window():
        return CertificateValidity.EXPIRING
    return CertificateValidity.VALID


def certificate_problem(certificate: VietGAPCertificate | None, on: date) -> str | None:
    """Why a code's VietGAP basis does not hold on ``on``, or ``None`` when it does (a code
    without a basis needs none)."""
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


def certificate_in_force(certificate: VietGAPCertificate | None, on: date) -> bool:
    """The Python form of ``queries.certificate_in_force_q``: issued on or before ``on``, not
    expired before it, not revoked on or before it (no certificate: nothing to hold)."""
    return certificate_problem(certificate, on) is None
