"""``manage.py expire_records`` at the edges: on the expiry day the certificate is still in
force (nothing suspended), from the day after it is not (suspended), and a revoked
certificate."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import AreaCodeStatusChange, ChangeSource, CodeStatus, VietGAPCertificate
from tests.factories import AreaCodeFactory, CertificateFactory, MarketFactory, set_status

pytestmark = pytest.mark.django_db

API = "/api/v1"
SINCE = date(2024, 2, 1)


def today() -> date:
    return timezone.localdate()  # the registry's today, as expire_records sees it


def code_on(expires_on: date, **certificate):
    """A code active for AU and US since 2024-02-01 on a certificate expiring ``expires_on``."""
    au, us = MarketFactory(code="AU"), MarketFactory(code="US")
    certificate = CertificateFactory(
        number="VG-EDGE",
        issued_on=expires_on - timedelta(days=700),
        expires_on=expires_on,
        **certificate,
    )
    code = AreaCodeFactory(
        certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
    )
    set_status(code, CodeStatus.ACTIVE, au, us, on=SINCE)
    return code


def expire_records() -> str:
    out = StringIO()
    call_command("expire_records", stdout=out)
    return out.getvalue()


def statuses(code) -> dict[str, tuple[str, date]]:
    return {s.market.code: (s.status, s.since) for s in code.market_statuses.all()}


def valid_today(code) -> bool:
    response = APIClient().post(
        f"{API}/area-codes/check/", {"market": "AU", "codes": [code.code]}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["results"][0]["valid"]


def test_on_the_expiry_day_nothing_is_suspended():
    code = code_on(expires_on=today())
    assert expire_records().startswith("0 certificate(s) expired, 0 code(s) affected")
    assert statuses(code) == {"AU": ("active", SINCE), "US": ("active", SINCE)}
    assert AreaCodeStatusChange.objects.filter(subject=code).count() == 2
    assert VietGAPCertificate.objects.get().expiry_recorded_at is None
    assert valid_today(code)  # the certificate is still in force on its expiry day


def test_the_day_after_the_expiry_every_active_market_is_suspended_once():
    code = code_on(expires_on=today() - timedelta(days=1))
    assert not valid_today(code)
    assert expire_records().startswith("1 certificate(s) expired, 1 code(s) affected")
    assert statuses(code) == {"AU": ("suspended", today()), "US": ("suspended", today())}
    change = AreaCodeStatusChange.objects.filter(subject=code).latest("id")
    assert change.source == ChangeSource.CERTIFICATE_EXPIRY
    assert change.reference == "VG-EDGE"
    assert f"expired on {(today() - timedelta(days=1)).isoformat()}" in change.reason
    assert VietGAPCertificate.objects.get().expiry_recorded_at is not None
    assert expire_records().startswith("0 certificate(s) expired")  # a second run: nothing
    assert AreaCodeStatusChange.objects.filter(subject=code).count() == 4
    assert call_command("check_registry", stdout=StringIO()) is None


def test_a_revoked_certificate_not_yet_expired_is_left_to_the_validity_rule():
    """Revocation is not expiry: expire_records records expiries only. The code's statuses
    stand, and every validity answer already says it is not valid (the revocation date)."""
    code = code_on(
        expires_on=today() + timedelta(days=100),
        revoked_on=today() - timedelta(days=10),
        revocation_reason="Audit failed",
    )
    assert expire_records().startswith("0 certificate(s) expired, 0 code(s) affected")
    assert statuses(code) == {"AU": ("active", SINCE), "US": ("active", SINCE)}
    assert not valid_today(code)


def test_a_revoked_certificate_past_its_expiry_is_recorded_and_its_codes_suspended():
    expired_on = today() - timedelta(days=5)
    code = code_on(
        expires_on=expired_on,
        revoked_on=expired_on - timedelta(days=30),
        revocation_reason="Audit failed",
    )
    assert expire_records().startswith("1 certificate(s) expired, 1 code(s) affected")
    day_after = expired_on + timedelta(days=1)
    assert statuses(code) == {"AU": ("suspended", day_after), "US": ("suspended", day_after)}
    assert expire_records().startswith("0 certificate(s) expired")
