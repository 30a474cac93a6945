"""Model constraints: enforced by the database, not only by forms."""

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import AreaCode, CodeDeletionRefused, Commune, Cooperative, Province
from registry.rules.tax_codes import with_check_digit
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    PackingHouseFactory,
    commune,
)

pytestmark = pytest.mark.django_db


def test_places_are_loaded_from_the_2025_units():
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    son_la = Province.objects.get(code="14")
    assert son_la.name == "Sơn La"
    assert son_la.communes.count() == 75
    names = dict(Commune.objects.filter(province=son_la).values_list("code", "name"))
    assert names["04204"] == "Xã Chiềng Khoong"
    assert names["04222"] == "Xã Chiềng Khương"
    assert names["04168"] == "Xã Sông Mã"


#: 012345678 and the check digit python-stdnum computes for it
VALID = with_check_digit("012345678")


@pytest.mark.parametrize("tax_code", ["123", "12345678901", "0123456789-01", "01234567AB", ""])
def test_bad_tax_codes_fail_validation(tax_code):
    cooperative = Cooperative(tax_code=tax_code, name="HTX", commune=commune())
    with pytest.raises(ValidationError) as error:
        cooperative.full_clean()
    assert "tax_code" in error.value.message_dict


@pytest.mark.parametrize("tax_code", [VALID, f"{VALID}-001"])
def test_good_tax_codes_pass(tax_code):
    Cooperative(tax_code=tax_code, name="HTX", commune=commune()).full_clean()


def test_database_refuses_bad_tax_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Cooperative.objects.create(tax_code="12-34", name="HTX", commune=commune())


def test_tax_code_is_unique():
    CooperativeFactory(tax_code=VALID)
    with pytest.raises(IntegrityError), transaction.atomic():
        CooperativeFactory(tax_code=VALID)


def test_certificate_expiry_must_follow_issue():
    certificate = CertificateFactory.build(
        issued_on=date(2025, 1, 1), expires_on=date(2024, 12, 31)
    )
    with pytest.raises(ValidationError) as error:
        certificate.clean()
    assert "expires_on" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(issued_on=date(2025, 1, 1), expires_on=date(2024, 12, 31))


def test_certificate_runs_at_most_two_years_and_three_months():
    allowed = CertificateFactory.build(issued_on=date(2024, 1, 15), expires_on=date(2026, 4, 15))
    allowed.clean()
    too_long = CertificateFactory.build(issued_on=date(2024, 1, 15), expires_on=date(2026, 4, 16))
    with pytest.raises(ValidationError) as error:
        too_long.clean()
    assert "2026-04-15" in str(error.value.message_dict["expires_on"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(issued_on=date(2024, 1, 15), expires_on=date(2027, 1, 1))


def test_certificate_number_unique_per_body_only():
    first = CertificateFactory(number="VietGAP-TT-13-09-68-0096")
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(number="VietGAP-TT-13-09-68-0096", body=first.body)
    from tests.factories import CertificationBodyFactory

    other_body = CertificationBodyFactory(code="OTHER")
    CertificateFactory(number="VietGAP-TT-13-09-68-0096", body=other_body)


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-1")])
def test_areas_must_be_positive(area):
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaCodeFactory(area_ha=area)
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(area_ha=area)


def test_duplicate_code_is_refused():
    AreaCodeFactory(code="VN-SLOR-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaCodeFactory(code="VN-SLOR-0001")


def test_same_letters_in_another_case_is_the_same_code():
    AreaCodeFactory(code="VN-SLOR-0001")
    duplicate = AreaCodeFactory.build(code="vn-slor-0001")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "code" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaCodeFactory(code=" vn–slor–0001 ")  # en dashes and spaces normalise too


def test_database_refuses_lower_case_codes_written_around_the_model():
    code = AreaCodeFactory(code="VN-SLOR-0002")
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaCode.objects.filter(pk=code.pk).update(code="vn-slor-0002")


def test_codes_are_never_deleted():
    code = AreaCodeFactory()
    house = PackingHouseFactory()
    for subject in (code, house):
        with pytest.raises(CodeDeletionRefused):
            subject.delete()
        with pytest.raises(CodeDeletionRefused):
            type(subject).objects.filter(pk=subject.pk).delete()
    assert AreaCode.objects.filter(pk=code.pk).exists()


def test_referenced_records_are_protected():
    code = AreaCodeFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        code.cooperative.delete()


def test_vietnamese_text_is_stored_nfc():
    decomposed = unicodedata.normalize("NFD", "HTX Nhãn Chiềng Khoong")
    assert decomposed != "HTX Nhãn Chiềng Khoong"
    cooperative = CooperativeFactory(name=decomposed)
    cooperative.refresh_from_db()
    assert cooperative.name == "HTX Nhãn Chiềng Khoong"
    assert Cooperative.objects.filter(name="HTX Nhãn Chiềng Khoong").exists()


def test_search_text_is_folded():
    cooperative = CooperativeFactory(name="HTX Đoàn Kết", commune=commune("04204"))
    assert "htx doan ket" in cooperative.search_text
    assert "chieng khoong" in cooperative.search_text
