"""The admin in a real browser: Debian's headless Chromium driven through chromedriver.

One administrator's session on the sample data: log in, filter the area codes by market, open a
code, suspend it for one market with a reason, import a file and confirm it, switch to English.
Every page on the way is measured at 1280 and at 360 px wide: no page may be wider than the
window (tables scroll inside their own box), no box may cut its content off, and codes and
certificate numbers stay on one line.
Screenshots of every page at both widths are saved under test-artifacts/screens/.

Without chromium and chromedriver the module skips, saying how to install them; .ci/run does.
"""

import base64
import shutil
import time
from pathlib import Path

import pytest
from django.urls import reverse

from registry.models import AreaCode, CodeStatus, Market

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="no headless browser here: install one with "
        "`apt-get install chromium chromium-driver` (Debian; .ci/run does it) to run the "
        "browser tests",
    ),
    pytest.mark.django_db(transaction=True),
]

WIDTHS = (1280, 360)
HEIGHT = 900
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screens"
PASSWORD = "browser-test-password"
WAIT_SECONDS = 20

# Keys a person reads and types whole: each must sit on one line wherever it is shown.
KEY_SELECTORS = ", ".join(
    [
        "#result_list .field-code a",
        "#result_list .field-number a",
        "#result_list .field-tax_code",
        ".inline-group td.field-code",
        ".inline-group td.field-number",
        "#expiring-certificates th[scope=row] a",
        "#status-change-subjects li",
        "#change-history td:first-child a",
        "table.import-preview td",
        "div.readonly",
    ]
)

MEASURE_JS = """
const keys = [];
for (const element of document.querySelectorAll(arguments[0])) {
    const text = element.textContent.trim();
    // Codes only: a readonly field may hold a sentence, which is free to wrap.
    if (!/^[A-Za-z0-9][A-Za-z0-9.\\-]*$/.test(text)) continue;
    // One rectangle per line a text runs over: count the lines of the element's text nodes.
    const lines = new Set();
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        for (const rect of range.getClientRects()) {
            if (rect.width > 0) lines.add(Math.round(rect.top));
        }
    }
    if (lines.size > 1) keys.push(text + " on " + lines.size + " lines");
}
// Content cut off instead of scrolling: a box that hides what overflows it sideways (Django's
// form rows do). Inputs scroll their own text; hidden labels for screen readers are 1 px wide.
const clipped = [];
for (const element of document.querySelectorAll("body *")) {
    if (["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName)) continue;
    // A map (Leaflet) clips its panes by design: they pan under its frame.
    if (element.closest(".leaflet-container")) continue;
    const style = getComputedStyle(element);
    if (!["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis") continue;
    if (element.clientWidth <= 1 || element.scrollWidth <= element.clientWidth + 1) continue;
    const name = element.tagName.toLowerCase() + (element.className ? "." + element.className : "");
    clipped.push(`${name} (${element.scrollWidth} px of content in ${element.clientWidth} px)`);
}
return {
    clipped: clipped,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    scrollHeight: document.documentElement.scrollHeight,
    brokenKeys: keys,
};
"""


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTHS[0]},{HEIGHT}",
    ):
        options.add_argument(argument)
    # The admin's default language is Vietnamese: the browser asks for it, as an office's would.
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Screens:
    """The browser session, with the measurements taken on every page."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url
        self.too_wide: list[str] = []
        self.broken_keys: list[str] = []
        self.clipped: list[str] = []
        self.pages: list[str] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):  # the folder shows the last run only
            old.unlink()

    def go(self, path: str):
        self.driver.get(self.base_url + path)
        self.wait_loaded()

    def wait_loaded(self):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")

    def wait(self, condition, message: str = ""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT_SECONDS).until(condition, message)

    def width(self, width: int):
        """The viewport itself (no window chrome in new headless), checked from inside."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        inner = self.driver.execute_script("return window.innerWidth")
        assert inner == width, f"asked for a {width} px window, the page sees {inner} px"

    def check(self, name: str):
        """Measure the current page at each width and save its screenshots."""
        self.wait_loaded()
        self.pages.append(name)
        for width in WIDTHS:
            self.width(width)
            measured = self.driver.execute_script(MEASURE_JS, KEY_SELECTORS)
            if measured["scrollWidth"] > measured["innerWidth"]:
                self.too_wide.append(
                    f"{name} at {width} px: {measured['scrollWidth']} px wide "
                    f"({self.driver.current_url})"
                )
            self.broken_keys += [f"{name} at {width} px: {key}" for key in measured["brokenKeys"]]
            self.clipped += [f"{name} at {width} px: {box}" for box in measured["clipped"]]
            self.screenshot(f"{name}-{width}", width, measured["scrollHeight"])
        self.width(WIDTHS[0])

    def screenshot(self, name: str, width: int, height: int):
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1},
            },
        )
        (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))

    def find(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, selector), f"nothing matches {selector}"
        )

    def find_all(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def click(self, selector: str):
        self.find(selector).click()
        self.wait_loaded()

    def text(self) -> str:
        return self.find("body").text


@pytest.fixture
def sample_registry(settings, db):
    from registry import sample_data

    # The live server speaks plain HTTP; production marks its cookies Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    sample_data.load()


@pytest.fixture
def administrator_login(administrator):
    administrator.set_password(PASSWORD)
    administrator.save()
    return administrator


def _sample_import_file(administrator, tmp_path) -> Path:
    """The sample file the import page offers (it imports cleanly into the sample data)."""
    from django.test import Client

    client = Client()
    client.force_login(administrator)
    response = client.get(reverse("admin:registry_areacode_import_sample"))
    assert response.status_code == 200
    path = tmp_path / "area-codes-sample.csv"
    path.write_bytes(response.content)
    return path


def _a_code_active_for_two_markets() -> tuple[AreaCode, Market, Market]:
    for code in AreaCode.objects.prefetch_related("market_statuses__market").order_by("code"):
        active = [s.market for s in code.market_statuses.all() if s.status == CodeStatus.ACTIVE]
        if len(active) >= 2 and "AU" in {m.code for m in active}:
            au = next(m for m in active if m.code == "AU")
            return code, au, next(m for m in active if m.code != "AU")
    pytest.fail("the sample data has no code active for Australia and another market")


def _log_in(screens: Screens, user):
    screens.go(reverse("admin:login"))
    screens.check("login")
    screens.find("input[name=username]").send_keys(user.username)
    screens.find("input[name=password]").send_keys(PASSWORD)
    screens.click("form [type=submit]")
    screens.find("#user-tools")


def _filter_area_codes_by_market(screens: Screens, market: Market):
    screens.go(reverse("admin:registry_areacode_changelist"))
    screens.check("area-codes")
    screens.click(f'#changelist-filter a[href*="market={market.code}"]')
    assert f"market={market.code}" in screens.driver.current_url
    rows = screens.find_all("#result_list tbody tr")
    assert rows, "the market filter left no codes"
    assert all(f"{market.code} " in row.text for row in rows)
    screens.check(f"area-codes-{market.code}")


def _open_code(screens: Screens, code: AreaCode):
    screens.click(f'#result_list th.field-code a[href*="/{code.pk}/"]')
    assert code.code in screens.text()
    screens.check("area-code")
    screens.click("a.historylink")
    screens.check("area-code-history")
    screens.driver.back()
    screens.wait_loaded()


def _suspend_for_one_market(screens: Screens, code: AreaCode, market: Market, other: Market):
    from selenium.webdriver.support.ui import Select

    screens.go(reverse("admin:registry_areacode_changelist") + f"?market={market.code}")
    screens.find(f'#result_list input.action-select[value="{code.pk}"]').click()
    Select(screens.find("select[name=action]")).select_by_value("make_suspended")
    screens.click("button[name=index]")
    assert code.code in screens.find("#status-change-subjects").text
    screens.check("status-form")

    # Sent as it comes, the form is refused: a reason and a source must be given.
    screens.click("#status-change-form [type=submit]")
    screens.find(".errornote")
    assert screens.find_all(".field-source .errorlist"), "no error beside the source"
    screens.check("status-form-refused")
    assert _status(code, market) == CodeStatus.ACTIVE

    screens.find(f'#id_markets input[value="{market.pk}"]').click()
    screens.find("textarea[name=reason]").send_keys("Thông báo không tuân thủ của nước nhập khẩu")
    Select(screens.find("select[name=source]")).select_by_value("importing_country_notice")
    screens.find("input[name=reference]").send_keys("DAFF-2026-17")
    screens.click("#status-change-form [type=submit]")
    screens.find(".messagelist .success")
    screens.check("status-changed")
    assert _status(code, market) == CodeStatus.SUSPENDED
    assert _status(code, other) == CodeStatus.ACTIVE
    change = code.status_changes.order_by("id").last()
    assert (change.reason, change.source, change.reference) == (
        "Thông báo không tuân thủ của nước nhập khẩu",
        "importing_country_notice",
        "DAFF-2026-17",
    )


def _status(code: AreaCode, market: Market) -> str:
    return code.market_statuses.get(market=market).status


def _import_and_confirm(screens: Screens, file: Path, new_code: str):
    """Selectors that outlive a rework of the import pages: the file input, the format
    select when there is one, the form's submit button, then the confirming form's button."""
    from selenium.webdriver.support.ui import Select

    screens.go(reverse("admin:registry_areacode_import"))
    screens.check("import")
    file_input = screens.find("input[type=file]")
    file_input.send_keys(str(file))
    formats = screens.find_all("select[name$=format]")
    if formats and formats[0].is_displayed():
        select = Select(formats[0])
        csv = [o for o in select.options if "csv" in o.text.lower()]
        if csv:
            select.select_by_visible_text(csv[0].text)
    upload_form = file_input.find_element("xpath", "./ancestor::form")
    upload_form.find_element("css selector", "[type=submit]").click()
    confirm = screens.find('form[action*="process"] [type=submit], [type=submit][name=confirm]')
    screens.check("import-preview")
    confirm.click()
    screens.wait_loaded()
    screens.wait(
        lambda d: AreaCode.objects.filter(code=new_code).exists(),
        f"{new_code} was not imported",
    )
    screens.check("import-done")


def _switch_to_english(screens: Screens):
    screens.go(reverse("admin:index"))
    assert screens.driver.execute_script("return document.documentElement.lang") == "vi"
    screens.click("#language-switch button")
    screens.wait(lambda d: d.execute_script("return document.documentElement.lang") == "en")
    screens.check("index-english")
    screens.go(reverse("admin:registry_areacode_changelist"))
    assert "Growing-area codes" in screens.text()
    screens.check("area-codes-english")


def test_an_administrators_day_in_a_real_browser_fits_at_1280_and_360_px(
    browser, live_server, sample_registry, administrator_login, tmp_path
):
    started = time.monotonic()
    screens = Screens(browser, live_server.url)
    browser.delete_all_cookies()
    code, market, other = _a_code_active_for_two_markets()

    _log_in(screens, administrator_login)
    screens.go(reverse("admin:index"))
    screens.check("index")
    _filter_area_codes_by_market(screens, market)
    _open_code(screens, code)
    _suspend_for_one_market(screens, code, market, other)

    for model in ("cooperative", "vietgapcertificate", "packinghouse"):
        screens.go(reverse(f"admin:registry_{model}_changelist"))
        screens.check(f"{model}-list")
        screens.click("#result_list tbody tr th a")
        screens.check(f"{model}-change")

    sample = _sample_import_file(administrator_login, tmp_path)
    new_code = sample.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    _import_and_confirm(screens, sample, new_code)
    _switch_to_english(screens)

    problems = (
        [f"wider than the window: {page}" for page in screens.too_wide]
        + [f"broken over lines: {key}" for key in screens.broken_keys]
        + [f"cut off: {box}" for box in screens.clipped]
    )
    assert not problems, f"see the screenshots in {ARTIFACTS}:\n" + "\n".join(problems)
    assert len(list(ARTIFACTS.glob("*.png"))) >= len(screens.pages) * len(WIDTHS)
    print(f"{len(screens.pages)} pages at {WIDTHS} px in {time.monotonic() - started:.0f} s")
