"""The boundary map in a real browser: an area code's admin page draws its boundary and its
neighbours with Leaflet served by the app, with every request off this server blocked and none
made (no CDN, no tiles by default)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from registry.models import AreaCode
from tests.test_browser import CHROMEDRIVER, CHROMIUM, browser, sample_registry  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="no headless browser here"),
    pytest.mark.django_db(transaction=True),
]
BLOCKED = [
    "*unpkg.com*",
    "*openstreetmap.org*",
    "*cdnjs*",
    "*jsdelivr*",
    "*googleapis*",
    "*arcgis*",
]


def signed_in(browser, live_server, user):  # noqa: F811
    client = Client()
    client.force_login(user)
    browser.get(live_server.url + "/admin/login/")
    browser.add_cookie(
        {"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value}
    )


def test_the_change_page_draws_the_boundary_and_its_neighbour_offline(
    browser,  # noqa: F811
    live_server,
    sample_registry,  # noqa: F811
    administrator,
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
    signed_in(browser, live_server, administrator)
    code = AreaCode.objects.get(code="VN-SLOR-0001")
    browser.get(live_server.url + reverse("admin:registry_areacode_change", args=[code.pk]))
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "const m = document.getElementById('boundary-map');"
            "return m && m.dataset.ready === 'true';"
        )
    )
    paths = browser.find_elements(By.CSS_SELECTOR, "#boundary-map .leaflet-overlay-pane svg path")
    assert len(paths) >= 2, "the boundary and its overlapping neighbour VN-SLOR-0002"
    assert all(p.get_attribute("d") for p in paths)
    assert browser.find_elements(By.CSS_SELECTOR, "#boundary-map .leaflet-control-scale")
    assert browser.find_elements(By.CSS_SELECTOR, "#boundary-map .leaflet-draw"), "editable"
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert resources and all(r.startswith(live_server.url) for r in resources), resources


def test_the_changelist_map_shows_the_filtered_codes(
    browser,  # noqa: F811
    live_server,
    sample_registry,  # noqa: F811
    administrator,
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
    signed_in(browser, live_server, administrator)
    browser.get(
        live_server.url + reverse("admin:registry_areacode_changelist") + "?overlapping=true"
    )
    browser.find_element(By.ID, "codes-map-link").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "const m = document.getElementById('codes-map');return m && m.dataset.ready === 'true';"
        )
    )
    element = browser.find_element(By.ID, "codes-map")
    assert element.get_attribute("data-features") == "2", "VN-SLOR-0001 and VN-SLOR-0002"
    paths = browser.find_elements(By.CSS_SELECTOR, "#codes-map .leaflet-overlay-pane svg path")
    assert len(paths) == 2
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert all(r.startswith(live_server.url) for r in resources), resources
