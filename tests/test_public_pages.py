"""The public verification pages (issue 15), through the real stack: Django's test client on
PostgreSQL, the app's middleware and templates, headers as a browser or a cache sees them."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils.http import http_date

from registry.choices import CodeStatus, Verdict
from registry.models import AreaCode, Inspection
from registry.rules import bulk_check, dates
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    set_status,
)

pytestmark = pytest.mark.django_db

VERDICT_WORDS = {
    "en": {"valid": "valid", "suspended": "suspended", "revoked": "revoked",
           "not_registered": "not registered"},
    "vi": {"valid": "hợp lệ", "suspended": "tạm dừng", "revoked": "thu hồi",
           "not_registered": "chưa đăng ký"},
    "zh-hans": {"valid": "有效", "suspended": "暂停", "revoked": "已撤销",
                "not_registered": "未注册"},
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rendered pages and QR images are cached by ETag and URL; each test starts empty."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def world():
    au, us, cn = (MarketFactory(code=c) for c in ("AU", "US", "CN"))
    cooperative = CooperativeFactory(name="HTX Nông nghiệp Chiềng Khoong")
    crop = CropFactory()
    certificate = CertificateFactory(cooperative=cooperative, crop=crop)
    on = dates.today() - timedelta(days=30)

    def code(number, **kwargs):
        kwargs.setdefault("certificate", certificate)
        return AreaCodeFactory(
            code=f"VN-SLOR-{number:04d}", cooperative=cooperative, crop=crop, **kwargs
        )

    valid = code(1)
    set_status(valid, CodeStatus.ACTIVE, au, us, on=on)
    suspended = code(2)
    set_status(suspended, CodeStatus.ACTIVE, au, us, on=on)
    set_status(suspended, CodeStatus.SUSPENDED, us, on=on + timedelta(days=1),
               reason="Thông báo không tuân thủ số 17")
    revoked = code(3)
    set_status(revoked, CodeStatus.ACTIVE, au, on=on)
    set_status(revoked, CodeStatus.REVOKED, on=on + timedelta(days=2),
               reason="Vùng trồng đã chuyển đổi cây trồng")
    issued = dates.add_months(dates.today(), -25)
    old = CertificateFactory(cooperative=cooperative, crop=crop, issued_on=issued,
                             expires_on=dates.add_months(issued, 24))
    expired = code(4, certificate=old)
    set_status(expired, CodeStatus.ACTIVE, au, on=on)
    return {"au": au, "us": us, "cn": cn, "valid": valid, "suspended": suspended,
            "revoked": revoked, "expired": expired, "cooperative": cooperative}


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


class Verdicts(HTMLParser):
    """market code → verdict class, from the page's verdict list."""

    def __init__(self):
        super().__init__()
        self.found, self._current, self._in_abbr = {}, None, False
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        classes = (attrs.get("class") or "").split()
        if tag == "li" and "verdict" in classes:
            self._current = next(c.removeprefix("verdict-") for c in classes if c != "verdict")
        self._in_abbr = tag == "abbr" and self._current is not None

    def handle_data(self, data):
        if self._in_abbr:
            self.found[data.strip()] = self._current
            self._in_abbr = False


def verdicts_of(response) -> dict:
    parser = Verdicts()
    parser.feed(response.content.decode())
    return parser.found


def page(client, code):
    return client.get(f"/codes/{code.code}/")


def test_a_valid_code_is_valid_for_its_markets_and_not_registered_for_the_others(world):
    response = page(client_in("en"), world["valid"])
    assert response.status_code == 200
    assert verdicts_of(response) == {"AU": "valid", "US": "valid", "CN": "not_registered"}
    text = response.content.decode()
    assert "HTX Nông nghiệp Chiềng Khoong" in text
    assert world["valid"].certificate.number in text


def test_a_code_suspended_for_one_market_stays_valid_for_the_other(world):
    response = page(client_in("en"), world["suspended"])
    assert verdicts_of(response) == {"AU": "valid", "US": "suspended", "CN": "not_registered"}
    assert "Thông báo không tuân thủ số 17" in response.content.decode()


def test_a_revoked_code_gets_a_clear_page_with_its_reason(world):
    response = page(client_in("en"), world["revoked"])
    assert response.status_code == 200
    assert verdicts_of(response)["AU"] == "revoked"
    text = response.content.decode()
    assert "This code has been revoked." in text
    assert "Vùng trồng đã chuyển đổi cây trồng" in text


def test_an_expired_basis_makes_an_active_code_not_valid(world):
    response = page(client_in("en"), world["expired"])
    assert verdicts_of(response)["AU"] == "basis_not_in_force"
    assert "VietGAP basis not in force" in response.content.decode()


def test_the_verdicts_are_the_api_bulk_checks_answers(world):
    """Oracle: the bulk check (the API's rule, in SQL) for every code and market."""
    codes = [world[k] for k in ("valid", "suspended", "revoked", "expired")]
    for market in (world["au"], world["us"], world["cn"]):
        checks = bulk_check.check_codes([c.code for c in codes], market, dates.today())
        for code, check in zip(codes, checks, strict=True):
            shown = verdicts_of(page(client_in("en"), code))[market.code]
            assert (shown == Verdict.VALID) == check.valid, (code.code, market.code)
            expected = check.status or Verdict.NOT_REGISTERED
            if check.status == CodeStatus.ACTIVE and not check.valid:
                expected = Verdict.BASIS_NOT_IN_FORCE
            if check.status == CodeStatus.ACTIVE and check.valid:
                expected = Verdict.VALID
            assert shown == expected, (code.code, market.code)


def test_an_unknown_code_gets_a_404_page_not_an_error(world):
    response = client_in("en").get("/codes/VN-ZZOR-9999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Code not found" in text and "VN-ZZOR-9999" in text
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("typed", ["vn-slor-0001", "VNSLOR0001", "vnslor0001", "Vn–Slor–0001"])
def test_a_code_typed_in_any_case_or_without_dashes_redirects_to_its_page(world, typed):
    response = Client().get(f"/codes/{typed}/")
    assert response.status_code == 301
    assert response["Location"] == "/codes/VN-SLOR-0001/"


def test_the_timeline_names_the_office_never_a_username(world, settings, administrator):
    settings.REGISTRY_OFFICE_NAME = "Chi cục TT&BVTV Sơn La"
    set_status(world["valid"], CodeStatus.SUSPENDED, world["us"], on=dates.today(),
               reason="Kiểm tra đột xuất", user=administrator)
    text = page(client_in("en"), world["valid"]).content.decode()
    assert "Chi cục TT&amp;BVTV Sơn La" in text
    assert administrator.username not in text
    assert "local inspection" in text  # the category, translated


def test_a_packing_house_has_its_page(world):
    house = PackingHouseFactory(code="VN-SLPH-0001", name="Cơ sở đóng gói Sông Mã")
    set_status(house, CodeStatus.ACTIVE, world["cn"], on=dates.today())
    response = client_in("en").get("/packing-houses/vn-slph-0001/", follow=True)
    assert response.redirect_chain == [("/packing-houses/VN-SLPH-0001/", 301)]
    assert verdicts_of(response)["CN"] == "valid"
    assert "Cơ sở đóng gói Sông Mã" in response.content.decode()
