"""A small registry for API and CSV tests: three markets, codes in every status."""

from dataclasses import dataclass
from datetime import date

from registry.models import CodeStatus, Commune
from registry.rules import dates
from registry.rules.tax_codes import tax_code
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CertificationBodyFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    TrademarkRightFactory,
    commune,
    set_status,
)

ACTIVE, SUSPENDED, REVOKED = CodeStatus.ACTIVE, CodeStatus.SUSPENDED, CodeStatus.REVOKED


@dataclass
class World:
    au: object
    us: object
    cn: object
    longan: object
    mango: object
    khoong: object  # cooperative in Chiềng Khoong (Sơn La)
    lam: object  # cooperative in Mường Lầm (Sơn La)
    hanoi: object  # cooperative outside Sơn La
    valid_au_us: object
    suspended_cn: object
    revoked_us: object
    expired_basis: object
    domestic: object
    house: object
    expired_certificate: object
    valid_certificate: object


def build_world() -> World:
    au, us, cn = (MarketFactory(code=c) for c in ("AU", "US", "CN"))
    longan = CropFactory(slug="longan", name_vi="Nhãn", name_en="Longan")
    mango = CropFactory(slug="mango", name_vi="Xoài", name_en="Mango")
    khoong = CooperativeFactory(
        tax_code=tax_code(1), name="HTX Nhãn Chiềng Khoong", commune=commune("04204")
    )
    TrademarkRightFactory(cooperative=khoong)
    lam = CooperativeFactory(
        tax_code=tax_code(2), name="HTX Xoài Mường Lầm", commune=commune("04183")
    )
    hanoi_commune = Commune.objects.filter(province_id="01").order_by("code").first()
    hanoi = CooperativeFactory(
        tax_code=tax_code(3, office="01"), name="HTX Hà Nội", commune=hanoi_commune
    )

    body = CertificationBodyFactory(code="VietGAP-TT-13-09")
    valid_certificate = CertificateFactory(
        number="VG-VALID",
        body=body,
        cooperative=khoong,
        crop=longan,
        issued_on=dates.add_months(dates.today(), -6),
        expires_on=dates.add_months(dates.today(), 18),
    )
    expired_certificate = CertificateFactory(
        number="VG-EXPIRED",
        body=CertificationBodyFactory(code="VietGAP-TT-19-02"),
        cooperative=lam,
        crop=longan,
        commune=commune("04183"),
        issued_on=date(2023, 1, 1),
        expires_on=date(2025, 1, 1),
    )

    valid_au_us = AreaCodeFactory(
        code="VN-SLOR-0001",
        crop=longan,
        cooperative=khoong,
        certificate=valid_certificate,
        commune=commune("04204"),
        issued_on=date(2025, 7, 1),
    )
    set_status(valid_au_us, ACTIVE, au, us, on=date(2025, 7, 1))

    suspended_cn = AreaCodeFactory(
        code="VN-SLOR-0002", crop=longan, cooperative=lam, commune=commune("04183")
    )
    set_status(suspended_cn, ACTIVE, au, cn, on=date(2024, 2, 1))
    set_status(suspended_cn, SUSPENDED, cn, on=date(2025, 3, 1), reason="GACC notice 17")

    revoked_us = AreaCodeFactory(code="VN-SLOR-0003", crop=mango, cooperative=khoong)
    set_status(revoked_us, ACTIVE, us, on=date(2024, 2, 1))
    set_status(revoked_us, REVOKED, us, on=date(2025, 5, 1), reason="Holder gave up the area")

    expired_basis = AreaCodeFactory(
        code="VN-SLOR-0004",
        crop=longan,
        cooperative=lam,
        certificate=expired_certificate,
        commune=commune("04183"),
    )
    set_status(expired_basis, ACTIVE, au, on=date(2024, 2, 1))

    domestic = AreaCodeFactory(
        code="VN-HN-01-00004-01-24",
        kind="domestic",
        crop=mango,
        cooperative=hanoi,
        commune=hanoi_commune,
    )
    house = PackingHouseFactory(code="VN-SLPH-0001", name="Cơ sở đóng gói Sông Mã")
    set_status(house, ACTIVE, cn, on=date(2024, 2, 1))
    return World(
        au,
        us,
        cn,
        longan,
        mango,
        khoong,
        lam,
        hanoi,
        valid_au_us,
        suspended_cn,
        revoked_us,
        expired_basis,
        domestic,
        house,
        expired_certificate,
        valid_certificate,
    )
