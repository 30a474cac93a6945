"""factory_boy factories: parents are passed in explicitly where a test cares about them."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from registry.models import (
    AreaCode,
    CertificationBody,
    ChangeSource,
    CodeStatus,
    Commune,
    Cooperative,
    Crop,
    Market,
    PackingHouse,
    TrademarkRight,
    VietGAPCertificate,
)
from registry.rules import dates, status_changes
from registry.rules.tax_codes import valid_tax_codes

ORCHARD = r"VN-[A-Z]{2}OR-\d{4}"

#: The factory's tax codes: valid (python-stdnum's check digit), from serial 5,000,000 on, far
#: from the serials tests write themselves (``tax_code(1)``, ``tax_code(999)``, ...).
_FACTORY_TAX_CODES = valid_tax_codes(first_serial=5_000_000)
_factory_tax_codes: list[str] = []


def factory_tax_code(n: int) -> str:
    """The n-th valid tax code of the factory's range (n from 0; the same n, the same code)."""
    while len(_factory_tax_codes) <= n:
        _factory_tax_codes.append(next(_FACTORY_TAX_CODES))
    return _factory_tax_codes[n]


def commune(code: str = "04204") -> Commune:
    return Commune.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pw")


class CropFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Crop
        django_get_or_create = ("slug",)

    slug = "longan"
    name_vi = "Nhãn"
    name_en = "Longan"
    scientific_name = "Dimocarpus longan"


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market
        django_get_or_create = ("code",)

    code = "AU"
    name_vi = factory.LazyAttribute(lambda o: f"Thị trường {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Market {o.code}")
    area_code_pattern = ORCHARD


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    tax_code = factory.Sequence(factory_tax_code)
    name = factory.Sequence(lambda n: f"HTX Nông nghiệp Thử {n}")
    commune = factory.LazyFunction(commune)


class TrademarkRightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrademarkRight

    cooperative = factory.SubFactory(CooperativeFactory)
    mark = "Nhãn Sơn La"
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-SHTT")
    granted_on = date(2021, 3, 15)


class CertificationBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationBody
        django_get_or_create = ("code",)

    code = "VietGAP-TT-13-09"
    name = "Tổ chức chứng nhận thử"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VietGAPCertificate

    number = factory.Sequence(lambda n: f"VietGAP-TT-13-09-68-{n:04d}")
    body = factory.SubFactory(CertificationBodyFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    crop = factory.SubFactory(CropFactory)
    area_ha = Decimal("12.50")
    commune = factory.LazyFunction(commune)
    issued_on = factory.LazyFunction(lambda: dates.add_months(dates.today(), -6))
    expires_on = factory.LazyAttribute(lambda o: dates.add_months(o.issued_on, 24))


class AreaCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaCode

    code = factory.Sequence(lambda n: f"VN-SLOR-{n + 1000:04d}")
    crop = factory.SubFactory(CropFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    area_ha = Decimal("15.00")
    commune = factory.LazyFunction(commune)
    issued_on = date(2024, 1, 10)


class PackingHouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackingHouse

    code = factory.Sequence(lambda n: f"VN-SLPH-{n + 1000:04d}")
    name = factory.Sequence(lambda n: f"Cơ sở đóng gói {n}")
    commune = factory.LazyFunction(commune)
    issued_on = date(2024, 1, 10)


def set_status(subject, status, *markets, on=date(2024, 2, 1), reason="test", user=None):
    """Record a status change through the one rules module."""
    return status_changes.change_status(
        subject,
        status,
        markets=list(markets) or None,
        effective_on=on,
        reason=reason,
        source=ChangeSource.LOCAL_INSPECTION if status != CodeStatus.ACTIVE else "registration",
        user=user,
    )
