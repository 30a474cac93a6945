"""The public pages in a real browser (Debian's headless Chromium through chromedriver): a
buyer searches without diacritics, opens a code, switches language twice and reads the
verdict; no request leaves the app's origin; every page fits 360 px without sideways
scrolling. Screenshots at 360 and 1280 px go to test-artifacts/public/.

Skips without chromium and chromedriver, as tests/test_browser.py does.
"""

import base64
from pathlib import Path

import pytest

from registry.choices import Verdict
from registry.models import AreaCode, Market
from registry.rules import bulk_check, dates
from tests.test_browser import (
    CHROMEDRIVER,
    CHROMIUM,
    HEIGHT,
    WAIT_SECONDS,
    browser,  # noqa: F401 - the fixture
)

pytestmark = [
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="no headless browser here: install one with "
        "`apt-get install chromium chromium-driver` (Debian) to run the browser tests",
    ),
    pytest.mark.django_db(transaction=True),
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "public"
WIDTHS = (360, 1280)
VERDICT_WORDS = {
    "vi": {Verdict.VALID: "còn hiệu lực", Verdict.SUSPENDED: "tạm dừng"},
    "en": {Verdict.VALID: "valid", Verdict.SUSPENDED: "suspended"},
    "zh-Hans": {Verdict.VALID: "有效", Verdict.SUSPENDED: "暂停"},
}

RESOURCES_JS = """
return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .map(entry => entry.name);
"""


class Visit:
    def __init__(self, driver, origin):
        self.driver, self.origin = driver, origin
        self.requested: list[str] = []
        self.too_wide: list[str] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()

    def wait(self, condition, message=""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT_SECONDS).until(condition, message)

    def loaded(self):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")
        self.requested += self.driver.execute_script(RESOURCES_JS)

    def find(self, selector):
        from selenium.webdriver.common.by import By

        return self.wait(lambda d: d.find_element(By.CSS_SELECTOR, selector), selector)

    def lang(self) -> str:
        return self.driver.execute_script("return document.documentElement.lang")

    def check(self, name: str):
        """Each width: no sideways scrolling, and a full-page screenshot."""
        self.loaded()
        for width in WIDTHS:
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            )
            scroll_width, height = self.driver.execute_script(
                "return [document.documentElement.scrollWidth,"
                " document.documentElement.scrollHeight]"
            )
            if scroll_width > width:
                self.too_wide.append(f"{name} at {width} px: {scroll_width} px wide")
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": min(height, 8000),
                        "scale": 1,
                    },
                },
            )
            (ARTIFACTS / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def verdicts(self) -> dict[str, str]:
        from selenium.webdriver.common.by import By

        shown = {}
        for item in self.driver.find_elements(By.CSS_SELECTOR, "li.verdict"):
            market = item.find_element(By.CSS_SELECTOR, ".verdict-market abbr").text
            word = item.find_element(By.CSS_SELECTOR, ".verdict-word").text
            shown[market] = word.lstrip("✓‖–✗ ").strip()
        return shown


def _a_code_valid_for_one_market_and_suspended_for_another():
    """From the sample data, through the API's own rule (the bulk check)."""
    from registry.filtersets import AreaCodeFilterSet
    from registry.public.listing import PAGE_SIZE

    found = AreaCodeFilterSet(data={"q": "chieng khoong"}, queryset=AreaCode.objects.all()).qs
    codes = list(found.order_by("code").values_list("code", flat=True)[:PAGE_SIZE])
    markets = list(Market.objects.order_by("code"))
    answers = {
        market.code: {c.code: c for c in bulk_check.check_codes(codes, market, dates.today())}
        for market in markets
    }
    for code in codes:
        valid = [m for m in answers if answers[m][code].valid]
        suspended = [m for m in answers if answers[m][code].status == "suspended"]
        if valid and suspended:
            return code, valid[0], suspended[0]
    for code in codes:
        valid = [m for m in answers if answers[m][code].valid]
        if valid:
            return code, valid[0], None
    pytest.fail("the search finds no code valid for a market on its first page")


def test_a_buyer_checks_a_code_in_three_languages(browser, live_server, settings):  # noqa: F811
    from django.core.management import call_command

    settings.SESSION_COOKIE_SECURE = False
    call_command("load_sample_data", verbosity=0)
    code, valid_for, suspended_for = _a_code_valid_for_one_market_and_suspended_for_another()
    visit = Visit(browser, live_server.url)
    browser.delete_all_cookies()

    browser.get(live_server.url + "/")
    visit.check("search")
    assert visit.lang() == "vi"
    box = visit.find("#id_q")
    box.send_keys("chieng khoong")  # no diacritics
    box.submit()
    visit.find(".results-table")
    visit.check("results")
    link = visit.find(f'.results-table a[href="/codes/{code}/"]')
    link.click()
    visit.find("h1.code")
    visit.check("code-vi")
    assert browser.current_url == f"{live_server.url}/codes/{code}/"
    assert visit.verdicts()[valid_for] == VERDICT_WORDS["vi"][Verdict.VALID]
    if suspended_for:
        assert visit.verdicts()[suspended_for] == VERDICT_WORDS["vi"][Verdict.SUSPENDED]

    for language, link_lang in (("en", "en"), ("zh-Hans", "zh-Hans")):
        visit.find(f'.language-switch a[lang="{link_lang}"]').click()
        visit.wait(lambda d, lang=language: visit.lang() == lang, f"html lang {language}")
        visit.check(f"code-{language}")
        assert browser.current_url == f"{live_server.url}/codes/{code}/"
        assert visit.verdicts()[valid_for] == VERDICT_WORDS[language][Verdict.VALID]
        if suspended_for:
            assert visit.verdicts()[suspended_for] == VERDICT_WORDS[language][Verdict.SUSPENDED]

    # Printed, the page fits one A4 sheet (the print stylesheet).
    pdf = base64.b64decode(
        browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})[
            "data"
        ]
    )
    (ARTIFACTS / "code-printed.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1, f"the printed page runs over {_pdf_pages(pdf)} sheets"

    # Remembered: a new page in the same session is still Chinese.
    browser.get(live_server.url + "/stats/")
    visit.check("stats-zh-Hans")
    assert visit.lang() == "zh-Hans"
    browser.get(live_server.url + "/codes/VN-ZZOR-9999/")
    visit.check("unknown-zh-Hans")
    browser.get(live_server.url + f"/codes/{code}/label/")
    visit.check("label")

    foreign = [url for url in visit.requested if not url.startswith(live_server.url)]
    assert not foreign, foreign
    assert any(url.endswith(".css") for url in visit.requested), "the stylesheet was loaded"
    assert any("qr.svg" in url for url in visit.requested), "the QR image was loaded"
    assert not visit.too_wide, visit.too_wide
    assert len(list(ARTIFACTS.glob("*-360.png"))) == len(list(ARTIFACTS.glob("*-1280.png"))) == 8


def _pdf_pages(pdf: bytes) -> int:
    """The page count of Chromium's PDF: its page tree's /Count."""
    import re

    counts = [int(n) for n in re.findall(rb"/Count (\d+)", pdf)]
    return max(counts)
