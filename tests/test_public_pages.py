"""The public verification pages (issue 15), through the real stack: Django's test client on
PostgreSQL, the app's middleware and templates, headers as a browser or a cache sees them."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.core.cache import caches
from django.test import Client

from registry.choices import CodeStatus, Verdict
from registry.models import AreaCode, Inspection, PackingHouse, PackingHouseSource
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
    "en": {"valid": "valid", "suspended": "suspended", "revoked": "revoked"},
    "vi": {"valid": "còn hiệu lực", "suspended": "tạm dừng", "revoked": "đã thu hồi"},
    "zh-hans": {"valid": "有效", "suspended": "暂停", "revoked": "已撤销"},
}
HTML_LANG = {"en": "en", "vi": "vi", "zh-hans": "zh-Hans"}
NOT_REGISTERED = {"en": "not registered", "vi": "chưa đăng ký", "zh-hans": "未注册"}


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
    set_status(
        suspended,
        CodeStatus.SUSPENDED,
        us,
        on=on + timedelta(days=1),
        reason="Thông báo không tuân thủ số 17",
    )
    revoked = code(3)
    set_status(revoked, CodeStatus.ACTIVE, au, on=on)
    set_status(
        revoked,
        CodeStatus.REVOKED,
        on=on + timedelta(days=2),
        reason="Vùng trồng đã chuyển đổi cây trồng",
    )
    issued = dates.add_months(dates.today(), -25)
    old = CertificateFactory(
        cooperative=cooperative,
        crop=crop,
        issued_on=issued,
        expires_on=dates.add_months(issued, 24),
    )
    expired = code(4, certificate=old)
    set_status(expired, CodeStatus.ACTIVE, au, on=on)
    return {
        "au": au,
        "us": us,
        "cn": cn,
        "valid": valid,
        "suspended": suspended,
        "revoked": revoked,
        "expired": expired,
        "cooperative": cooperative,
    }


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
    set_status(
        world["valid"],
        CodeStatus.SUSPENDED,
        world["us"],
        on=dates.today(),
        reason="Kiểm tra đột xuất",
        user=administrator,
    )
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


# --- Caching: ETag / Last-Modified -------------------------------------------------------------


def test_a_conditional_get_of_an_unchanged_page_answers_304(world):
    client = Client()
    first = page(client, world["valid"])
    etag, modified = first["ETag"], first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"] and "public" in first["Cache-Control"]
    assert client.get("/codes/VN-SLOR-0001/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/codes/VN-SLOR-0001/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/codes/VN-SLOR-0001/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def etag_of(code) -> str:
    return page(Client(), code)["ETag"]


def test_the_etag_changes_with_this_code_and_not_with_another(world):
    valid, other = world["valid"], world["suspended"]
    before = etag_of(valid)
    # Another code changes in every way this one could: its status, its inspections, itself.
    set_status(other, CodeStatus.SUSPENDED, world["au"], on=dates.today(), reason="x")
    Inspection.objects.create(
        area_code=other, inspected_on=dates.today(), kind="periodic", result="compliant"
    )
    other.area_ha = Decimal("20.00")
    other.save()
    assert etag_of(valid) == before

    changes = [
        lambda: set_status(valid, CodeStatus.SUSPENDED, world["us"], on=dates.today(), reason="y"),
        lambda: Inspection.objects.create(
            area_code=valid, inspected_on=dates.today(), kind="periodic", result="compliant"
        ),
        lambda: Inspection.objects.create(
            area_code=valid, inspected_on=dates.today(), kind="video", result="compliant"
        ),
        # a deletion moves no timestamp: the number of inspections changes
        lambda: Inspection.objects.filter(area_code=valid, kind="periodic").delete(),
        lambda: _touch(
            valid.certificate, expires_on=valid.certificate.expires_on - timedelta(days=1)
        ),
        lambda: _touch(world["cooperative"], name="HTX Đổi Tên"),
        lambda: _touch(AreaCode.objects.get(pk=valid.pk), variety="Nhãn lồng"),
        # its packing houses: a link, the house renamed, a second link, the first one removed
        lambda: _link(valid, world["au"]),
        lambda: _touch(PackingHouse.objects.get(code="VN-SLPH-0555"), name="Cơ sở Đổi Tên"),
        lambda: _link(valid, world["us"]),
        lambda: PackingHouseSource.objects.filter(area_code=valid, market=world["au"]).delete(),
    ]
    seen = {before}
    for number, change in enumerate(changes):
        change()
        now = etag_of(valid)
        assert now not in seen, number
        seen.add(now)


def _link(code, market, until=None):
    from tests.factories import PackingHouseFactory

    house = PackingHouse.objects.filter(code="VN-SLPH-0555").first() or PackingHouseFactory(
        code="VN-SLPH-0555", name="Cơ sở đóng gói Năm"
    )
    return PackingHouseSource.objects.create(
        packing_house=house,
        area_code=code,
        market=market,
        valid_from=dates.today() - timedelta(days=30),
        valid_until=until,
    )


def test_the_code_page_lists_the_packing_houses_linked_today(world):
    valid = world["valid"]
    _link(valid, world["au"])
    _link(valid, world["us"], until=dates.today() - timedelta(days=1))  # ended yesterday
    page = Client().get(f"/codes/{valid.code}/").content.decode()
    section = page.split('id="packing-houses-title"', 1)[1].split("</section>", 1)[0]
    assert "VN-SLPH-0555" in section and "Cơ sở đóng gói Năm" in section
    assert "(AU)" in section, "only the link in force today"


def _touch(record, **fields):
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()


def test_the_etag_and_last_modified_move_at_midnight(world, monkeypatch):
    first = page(Client(), world["valid"])
    tomorrow = dates.today() + timedelta(days=1)
    monkeypatch.setattr(dates, "today", lambda: tomorrow)
    second = page(Client(), world["valid"])
    assert second["ETag"] != first["ETag"]
    # a client that kept yesterday's copy gets today's page, not a 304
    refreshed = Client().get("/codes/VN-SLOR-0001/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert refreshed.status_code == 200


def test_the_etag_differs_per_language(world):
    assert (
        page(client_in("en"), world["valid"])["ETag"]
        != page(client_in("vi"), world["valid"])["ETag"]
    )


def test_last_modified_is_todays_midnight_for_a_code_unchanged_since(world):
    """Verdicts are for today: the page changed at midnight even if the code did not."""
    from datetime import datetime, time

    from django.utils import timezone
    from django.utils.http import parse_http_date

    from registry.models import (
        AreaCodeMarket,
        CertificationBody,
        Cooperative,
        Crop,
        Market,
        VietGAPCertificate,
    )

    long_ago = timezone.now() - timedelta(days=400)
    for model in (AreaCode, AreaCodeMarket, Cooperative, Crop, Market, VietGAPCertificate):
        model.objects.update(updated_at=long_ago)
    CertificationBody.objects.update(updated_at=long_ago)
    response = page(Client(), world["valid"])
    midnight = timezone.make_aware(datetime.combine(dates.today(), time.min))
    assert parse_http_date(response["Last-Modified"]) == int(midnight.timestamp())


# --- Headers: no other origin --------------------------------------------------------------------


PUBLIC_PATHS = [
    "/",
    "/?q=chieng+khoong",
    "/stats/",
    "/codes/VN-SLOR-0001/",
    "/codes/VN-SLOR-0001/label/",
    "/codes/VN-ZZOR-0404/",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_page_forbids_other_origins(world, path):
    response = Client().get(path)
    assert response.status_code in (200, 404)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script" not in html and "style=" not in html  # nothing inline to allow
    svg_namespace = "http://www.w3.org/2000/svg"
    assert "http://" not in html.replace("http://testserver/", "").replace(svg_namespace, "")
    assert "https://" not in html


# --- QR codes --------------------------------------------------------------------------------------


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(BytesIO(png)))]


def test_the_qr_png_decodes_to_the_pages_absolute_url(world):
    response = Client().get("/codes/VN-SLOR-0001/qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert decode_qr(response.content) == ["http://testserver/codes/VN-SLOR-0001/"]
    again = Client().get("/codes/VN-SLOR-0001/qr.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_qr_url_follows_the_public_base_url(world, settings):
    settings.PUBLIC_BASE_URL = "https://vungtrong.example.vn/"
    response = Client().get("/packing-houses/VN-SLPH-0001/qr.png")
    assert response.status_code == 404  # no such packing house yet
    house = PackingHouseFactory(code="VN-SLPH-0001")
    response = Client().get(f"/packing-houses/{house.code}/qr.png")
    assert decode_qr(response.content) == [
        "https://vungtrong.example.vn/packing-houses/VN-SLPH-0001/"
    ]


def test_the_qr_svg_carries_the_code_under_the_symbol(world):
    response = Client().get("/codes/vn-slor-0001/qr.svg")
    assert response.status_code == 301
    response = Client().get("/codes/VN-SLOR-0001/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    from xml.dom.minidom import parseString

    svg = parseString(response.content).documentElement  # well-formed: a browser draws it
    assert svg.tagName == "svg"
    [caption] = svg.getElementsByTagName("text")
    assert caption.firstChild.data == "VN-SLOR-0001"


def test_a_code_label_and_a_sheet_of_labels(world, administrator, client):
    label = Client().get("/codes/VN-SLOR-0001/label/")
    assert label.status_code == 200
    text = label.content.decode()
    assert "VN-SLOR-0001" in text and "HTX Nông nghiệp Chiềng Khoong" in text and "<svg" in text
    client.force_login(administrator)
    sheet = client.get("/admin/registry/areacode/labels/", {"market": "AU", "status": "active"})
    assert sheet.status_code == 200
    codes = {world[k].code for k in ("valid", "suspended", "expired")}
    for code in codes:
        assert f'aria-label="{code}"' in sheet.content.decode()
    assert 'aria-label="VN-SLOR-0003"' not in sheet.content.decode()  # revoked: filtered out
    change = client.get(f"/admin/registry/areacode/{world['valid'].pk}/change/")
    assert b"/codes/VN-SLOR-0001/qr.svg" in change.content
    assert b"/codes/VN-SLOR-0001/label/" in change.content


# --- Search and statistics -------------------------------------------------------------------------


def test_search_without_diacritics_finds_the_cooperative(world):
    response = client_in("en").get("/", {"q": "chieng khoong", "market": "US"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "VN-SLOR-0001" in text and "VN-SLOR-0002" in text
    assert "VN-SLOR-0004" not in text  # no status for US
    assert "2 codes found" in text


def test_search_filters_are_the_apis_and_bad_values_are_named(world):
    response = client_in("en").get("/", {"crop": "durian"})
    assert response.status_code == 400
    assert "Unknown crop: durian." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_search_pages(world, monkeypatch):
    from registry.public import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    first = client_in("en").get("/", {"q": "slor"})
    assert "Page 1 of 2" in first.content.decode()
    second = client_in("en").get("/", {"q": "slor", "page": "2"})
    assert 'href="/codes/VN-SLOR-0004/"' in second.content.decode()
    assert 'href="/codes/VN-SLOR-0001/"' not in second.content.decode()


def test_statistics_count_active_codes(world):
    response = client_in("en").get("/stats/")
    assert response.status_code == 200
    text = response.content.decode()
    # AU: 0001, 0002, 0004 active (0003 revoked); US: 0001 only (0002 suspended)
    assert '<th scope="row">AU – Market AU</th><td class="number">3</td>' in text
    assert '<th scope="row">US – Market US</th><td class="number">1</td>' in text


# --- Languages ---------------------------------------------------------------------------------


def verdict_words(response) -> dict:
    """market → the verdict word shown (after its symbol)."""
    import re

    html = response.content.decode()
    found = {}
    for market, word in re.findall(
        r'<abbr title="[^"]*">(\w+)</abbr>.*?<strong class="verdict-word">'
        r'<span class="verdict-symbol" aria-hidden="true">.</span> ([^<]+)</strong>',
        html,
        re.S,
    ):
        found[market] = word.strip()
    return found


@pytest.mark.parametrize("language", ["vi", "en", "zh-hans"])
def test_the_page_speaks_each_language_and_html_lang_follows(world, language):
    client = Client()
    switched = client.get("/codes/VN-SLOR-0002/", {"lang": language})
    assert switched.status_code == 302 and switched["Location"] == "/codes/VN-SLOR-0002/"
    assert switched.cookies["django_language"].value == language
    response = client.get("/codes/VN-SLOR-0002/")  # the cookie remembers it
    parser = Verdicts()
    parser.feed(response.content.decode())
    assert parser.html_lang == HTML_LANG[language]
    words = VERDICT_WORDS[language]
    assert verdict_words(response) == {
        "AU": words["valid"],
        "US": words["suspended"],
        "CN": NOT_REGISTERED[language],
    }
    revoked = client.get("/codes/VN-SLOR-0003/")
    assert verdict_words(revoked)["AU"] == words["revoked"]
    # the free-text reason as written, whatever the language
    assert "Vùng trồng đã chuyển đổi cây trồng" in revoked.content.decode()


def test_vietnamese_is_the_default_and_an_unknown_language_changes_nothing(world):
    assert Verdicts().html_lang is None
    response = Client().get("/codes/VN-SLOR-0001/")
    assert verdict_words(response)["AU"] == "còn hiệu lực"
    switched = Client().get("/stats/", {"lang": "xx", "q": "a"})
    assert switched.status_code == 302 and switched["Location"] == "/stats/?q=a"
    assert "django_language" not in switched.cookies


def test_the_public_pages_chinese_does_not_reach_the_admin_or_the_api(world, client, administrator):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(administrator)
    admin_page = client.get("/admin/")
    assert 'lang="vi"' in admin_page.content.decode()
    api = client.get("/api/v1/area-codes/VN-ZZOR-0001/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 404 and api.json()["detail"] == "Không tìm thấy."
    public = client.get("/codes/VN-SLOR-0001/")
    assert 'lang="zh-Hans"' in public.content.decode()


PUBLIC_PATHS_SHOWN = [
    "/",
    "/?q=slor",
    "/?crop=durian",
    "/stats/",
    "/codes/VN-SLOR-0002/",
    "/codes/VN-SLOR-0003/",
    "/codes/VN-SLOR-0004/",
    "/codes/VN-ZZOR-0404/",
    "/codes/VN-SLOR-0001/label/",
]


@pytest.mark.parametrize("language", ["vi", "zh-hans"])
@pytest.mark.parametrize("path", PUBLIC_PATHS_SHOWN)
def test_no_english_is_left_on_the_public_pages(world, language, path):
    """No visible text of the page is one of the public pages' English messages (their
    templates' and views' msgids, and the words of the statuses, verdicts, categories and
    states they show): each must have been translated."""
    from django.utils import translation

    from tests.test_vietnamese import visible_texts

    untranslated = set(ENGLISH)
    if language != "vi":  # a missing translation falls back to the default language's
        with translation.override("vi"):
            untranslated |= {translation.gettext(text) for text in ENGLISH}
    response = client_in(language).get(path)
    leaks = [text for text in visible_texts(response.content.decode()) if text in untranslated]
    assert not leaks, leaks


def _po_strings(block: str, keyword: str) -> str | None:
    """The (possibly multi-line) string after ``keyword`` in one .po entry."""
    import ast

    lines = block.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"{keyword} "):
            parts = [line[len(keyword) + 1 :]]
            parts += [rest for rest in lines[index + 1 :] if rest.startswith('"')][
                : next(
                    (i for i, rest in enumerate(lines[index + 1 :]) if not rest.startswith('"')),
                    len(lines),
                )
            ]
            return "".join(ast.literal_eval(part) for part in parts)
    return None


def _public_english() -> set[str]:
    from django.conf import settings
    from django.utils import translation

    from registry import choices

    catalogue = settings.BASE_DIR / "registry/locale/zh_Hans/LC_MESSAGES/django.po"
    english = set()
    for block in catalogue.read_text(encoding="utf-8").split("\n\n"):
        places = [line for line in block.splitlines() if line.startswith("#:")]
        if not any("public" in place for place in places):
            continue
        for keyword in ("msgid", "msgid_plural"):
            text = _po_strings(block, keyword)
            if text and "%(" not in text and "<" not in text:
                english.add(text)
    for enumeration in (
        choices.Verdict,
        choices.CodeStatus,
        choices.ChangeSource,
        choices.SupervisionState,
        choices.InspectionKind,
        choices.CertificateValidity,
    ):
        with translation.override("en"):
            english |= {str(label) for label in enumeration.labels}
    return english - {"PNG", "SVG"}


ENGLISH = _public_english()


def test_downloads_still_offer_vietnamese_and_english_only(world):
    refused = Client().get("/api/v1/area-codes/", {"format": "csv", "lang": "zh-hans"})
    assert refused.status_code == 400
    assert refused.json()["lang"] == ["Chọn một trong: vi, en."]


def test_a_code_page_reads_eight_queries_and_a_revalidation_one(
    world, django_assert_num_queries, settings
):
    """The validator, the code with its relations, its statuses, its timeline, its
    inspections, its packing houses, the data version and the markets (kept in memory under the version, but this
    test's transaction has written, so they are read again); a 304 or a kept page needs the
    validator alone."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client = Client()
    from django.db import connection

    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 7):  # no version
        first = client.get("/codes/VN-SLOR-0001/")
    with django_assert_num_queries(1):
        assert (
            client.get("/codes/VN-SLOR-0001/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        )
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    client.get("/codes/VN-SLOR-0001/")
    with django_assert_num_queries(1):
        assert client.get("/codes/VN-SLOR-0001/").status_code == 200
