"""The domain rules (registry.rules): transitions, validity on a date, certificate states."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry import keys
from registry.models import AreaCode, CodeStatus
from registry.rules import bulk_check, codes, dates, queries, status_changes
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; the Vietnamese ones are checked below."""
    with translation.override("en"):
        yield


ACTIVE, SUSPENDED, REVOKED = CodeStatus.ACTIVE, CodeStatus.SUSPENDED, CodeStatus.REVOKED


@pytest.fixture
def au():
    return MarketFactory(code="AU")


@pytest.fixture
def cn():
    return MarketFactory(code="CN")


def current(code, market):
    return code.market_statuses.get(market=market).status


def test_normalise_code():
    assert keys.normalise_code(" vn–slor—0001 ") == "VN-SLOR-0001"
    assert keys.normalise_code("vn slor-0001") == "VNSLOR-0001"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([ACTIVE], True),
        ([SUSPENDED], False),
        ([REVOKED], False),
        ([ACTIVE, SUSPENDED], True),
        ([ACTIVE, REVOKED], True),
        ([ACTIVE, ACTIVE], False),
        ([ACTIVE, SUSPENDED, ACTIVE], True),
        ([ACTIVE, SUSPENDED, SUSPENDED], False),
        ([ACTIVE, SUSPENDED, REVOKED], True),
        ([ACTIVE, REVOKED, ACTIVE], False),
        ([ACTIVE, REVOKED, SUSPENDED], False),
    ],
)
def test_transitions(au, path, allowed):
    code = AreaCodeFactory()
    *before, last = path
    for step in before:
        set_status(code, step, au)
    if allowed:
        set_status(code, last, au)
        assert current(code, au) == last
    else:
        with pytest.raises(status_changes.StatusChangeError):
            set_status(code, last, au)
        assert code.status_changes.count() == len(before)


def test_revoked_is_final_and_says_so(au):
    code = AreaCodeFactory(code="VN-SLOR-0042")
    set_status(code, ACTIVE, au)
    set_status(code, REVOKED, au)
    with pytest.raises(status_changes.StatusChangeError) as error:
        set_status(code, ACTIVE, au)
    assert "revocation is final" in str(error.value)


def test_market_pattern_blocks_activation(au):
    au.area_code_pattern = r"VN-[A-Z]{2}OR-\d{4}"
    au.save()
    code = AreaCodeFactory(code="VN-SL-ABC")
    with pytest.raises(status_changes.StatusChangeError) as error:
        set_status(code, ACTIVE, au)
    assert "format" in str(error.value)


def test_market_specific_suspension_leaves_other_markets_active(au, cn):
    code = AreaCodeFactory()
    set_status(code, ACTIVE, au, cn)
    set_status(code, SUSPENDED, cn, on=date(2024, 5, 1))
    assert current(code, au) == ACTIVE
    assert current(code, cn) == SUSPENDED


def test_all_markets_or_none(au, cn):
    code = AreaCodeFactory()
    set_status(code, ACTIVE, au, cn)
    set_status(code, REVOKED, cn)
    with pytest.raises(status_changes.StatusChangeError):
        set_status(code, SUSPENDED, au, cn)  # CN is revoked, so AU must not change either
    assert current(code, au) == ACTIVE


def test_change_without_markets_means_every_market(au, cn):
    code = AreaCodeFactory()
    set_status(code, ACTIVE, au, cn)
    set_status(code, SUSPENDED)
    assert {s.status for s in code.market_statuses.all()} == {SUSPENDED}


def test_reason_required_and_no_future_dates(au):
    code = AreaCodeFactory()
    with pytest.raises(ValidationError):
        set_status(code, ACTIVE, au, reason="  ")
    with pytest.raises(ValidationError):
        set_status(code, ACTIVE, au, on=dates.today() + timedelta(days=1))


def test_change_cannot_predate_the_current_status(au):
    code = AreaCodeFactory()
    set_status(code, ACTIVE, au, on=date(2024, 5, 1))
    with pytest.raises(ValidationError):
        set_status(code, SUSPENDED, au, on=date(2024, 4, 1))


def test_validity_on_past_dates_comes_from_history(au):
    code = AreaCodeFactory()
    set_status(code, ACTIVE, au, on=date(2024, 2, 1))
    set_status(code, SUSPENDED, au, on=date(2024, 6, 1))
    set_status(code, ACTIVE, au, on=date(2024, 9, 1))

    def valid(on):
        return AreaCode.objects.filter(queries.valid_on_q(AreaCode, [au], on), pk=code.pk).exists()

    assert not valid(date(2024, 1, 31))
    assert valid(date(2024, 2, 1))
    assert valid(date(2024, 5, 31))
    assert not valid(date(2024, 6, 1))
    assert not valid(date(2024, 8, 31))
    assert valid(date(2024, 9, 1))
    checks = {
        on: bulk_check.check_codes([code.code], au, on)[0].valid
        for on in (date(2024, 1, 31), date(2024, 3, 1), date(2024, 7, 1), date(2024, 10, 1))
    }
    assert checks == {
        date(2024, 1, 31): False,
        date(2024, 3, 1): True,
        date(2024, 7, 1): False,
        date(2024, 10, 1): True,
    }


def test_expired_certificate_makes_an_active_code_invalid(au):
    certificate = CertificateFactory(issued_on=date(2023, 1, 1), expires_on=date(2025, 1, 1))
    code = AreaCodeFactory(
        certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
    )
    set_status(code, ACTIVE, au, on=date(2023, 2, 1))
    before, after = (
        bulk_check.check_codes([code.code], au, date(2025, 1, 1))[0],
        bulk_check.check_codes([code.code], au, date(2025, 1, 2))[0],
    )
    assert before.valid
    assert not after.valid
    assert after.status == ACTIVE
    assert "expired on 2025-01-01" in after.reason


def test_certificate_validity_states(settings):
    settings.REGISTRY_EXPIRING_WITHIN_DAYS = 60
    today = date(2026, 11, 25)
    certificate = CertificateFactory.build(issued_on=date(2025, 1, 1), expires_on=date(2027, 3, 1))
    assert dates.certificate_validity(certificate, today) == "valid"
    certificate.expires_on = date(2027, 1, 25)  # today + 61 days
    assert dates.certificate_validity(certificate, today) == "valid"
    certificate.expires_on = date(2027, 1, 24)  # today + 60 days
    assert dates.certificate_validity(certificate, today) == "expiring"
    certificate.expires_on = date(2026, 11, 25)
    assert dates.certificate_validity(certificate, today) == "expiring"
    certificate.expires_on = date(2026, 11, 24)
    assert dates.certificate_validity(certificate, today) == "expired"
    certificate.revoked_on = date(2026, 1, 1)
    assert dates.certificate_validity(certificate, today) == "revoked"


def test_certificate_validity_query_agrees_with_python(settings):
    from registry.models import VietGAPCertificate

    today = dates.today()
    for months in (1, 10, 22, 23, 25, 26):
        CertificateFactory(issued_on=dates.add_months(today, -months))
    CertificateFactory(revoked_on=today, revocation_reason="x")
    for state in ("valid", "expiring", "expired", "revoked"):
        in_sql = set(
            VietGAPCertificate.objects.filter(queries.certificate_validity_q(state)).values_list(
                "pk", flat=True
            )
        )
        in_python = {
            c.pk for c in VietGAPCertificate.objects.all() if dates.certificate_validity(c) == state
        }
        assert in_sql == in_python, state
        assert in_sql, state


def test_latest_allowed_expiry_handles_month_ends():
    assert dates.latest_allowed_expiry(date(2024, 1, 15)) == date(2026, 4, 15)
    assert dates.latest_allowed_expiry(date(2023, 11, 30)) == date(2026, 2, 28)


def test_packing_houses_follow_the_same_rules(au):
    house = PackingHouseFactory()
    set_status(house, ACTIVE, au)
    set_status(house, SUSPENDED, au, on=date(2024, 3, 1))
    result = bulk_check.check_codes([house.code.lower()], au, date(2024, 3, 2))[0]
    assert result.exists and not result.valid
    assert result.kind == "packing_house"
    assert "Suspended for AU since 2024-03-01" in result.reason


def test_area_warning_for_small_export_areas(settings):
    settings.REGISTRY_MIN_EXPORT_AREA_HA = 10
    assert codes.area_warnings(AreaCodeFactory.build(area_ha=5))
    assert not codes.area_warnings(AreaCodeFactory.build(area_ha=12))


def test_reasons_are_vietnamese_by_default(au):
    code = AreaCodeFactory()
    with translation.override("vi"):
        reason = bulk_check.check_codes([code.code], au, date(2024, 3, 1))[0].reason
    assert reason == "Chưa được cấp cho AU vào ngày 2024-03-01."
