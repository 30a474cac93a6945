"""The boundary map in a real browser: an area code's admin page draws its boundary and its
neighbours with Leaflet served by the app, with every request off this server blocked and none
made (no CDN, no tiles by default)."""

import math
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from registry.models import AreaCode
from tests.factories import AreaCodeFactory
from tests.geo_support import is_counter_clockwise
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


#: a point far (> 2 km) from every other code, so the map opens on it at zoom 15
LONELY = (104.3, 21.5)
DRAWING_ZOOM = 15
#: half the side of the square drawn, in screen pixels from the map's centre
HALF_SIDE_PX = 80


def metres_per_pixel(latitude: float, zoom: int) -> float:
    """Web Mercator's ground resolution (the tiles' scale), not Leaflet's arithmetic: the
    oracle for the area of what was drawn."""
    return 2 * math.pi * 6_378_137 * math.cos(math.radians(latitude)) / (256 * 2**zoom)


def test_a_polygon_drawn_on_the_map_is_saved_as_the_boundary(
    browser,  # noqa: F811
    live_server,
    administrator,
    settings,
):
    """Draw a square with Leaflet.draw's polygon tool (clicks on the map), save the form: the
    boundary stored is that square, its area the one drawn."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    settings.CSRF_COOKIE_SECURE = False
    code = AreaCodeFactory(longitude=Decimal(str(LONELY[0])), latitude=Decimal(str(LONELY[1])))
    assert code.boundary is None
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
    signed_in(browser, live_server, administrator)
    browser.get(live_server.url + reverse("admin:registry_areacode_change", args=[code.pk]))
    wait = WebDriverWait(browser, 20)
    wait.until(
        lambda d: d.execute_script(
            "const m = document.getElementById('boundary-map');"
            "return m && m.dataset.ready === 'true';"
        )
    )
    element = browser.find_element(By.ID, "boundary-map")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    browser.find_element(By.CSS_SELECTOR, "#boundary-map .leaflet-draw-draw-polygon").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#boundary-map .leaflet-draw-actions"))

    def vertices() -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, "#boundary-map .leaflet-editing-icon"))

    # Screen corners clockwise from the top left (so the ring comes clockwise on the ground:
    # the registry turns it). Leaflet.draw ignores a click that comes within 50 ms of the last
    # vertex (against doubled touch events), so each click is repeated until its vertex shows.
    half = HALF_SIDE_PX
    for number, (dx, dy) in enumerate([(-half, -half), (half, -half), (half, half), (-half, half)]):
        for _attempt in range(5):
            ActionChains(browser).move_to_element_with_offset(element, dx, dy).click().perform()
            try:
                WebDriverWait(browser, 1, poll_frequency=0.05).until(
                    lambda d, n=number: vertices() > n
                )
                break
            except TimeoutException:
                continue
        assert vertices() == number + 1, f"vertex {number + 1} drawn once"
    browser.find_element(
        By.CSS_SELECTOR, "#boundary-map .leaflet-draw-actions a[title='Finish drawing']"
    ).click()
    wait.until(
        lambda d: d.execute_script(
            "const v = document.getElementById('id_boundary').value;"
            "try { return JSON.parse(v).type === 'Polygon'; } catch (e) { return false; }"
        )
    )
    browser.find_element(By.NAME, "_save").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.messagelist li.success"))

    code.refresh_from_db()
    assert code.boundary["type"] == "Polygon"
    [ring] = code.boundary["coordinates"]
    assert len(ring) == 5 and ring[0] == ring[-1], "four corners, closed"
    assert is_counter_clockwise(ring), "turned to RFC 7946's winding when saved"
    side_m = 2 * half * metres_per_pixel(LONELY[1], DRAWING_ZOOM)
    drawn_ha = Decimal(str(side_m**2 / 10_000))  # about 50 ha
    assert abs(code.measured_area_ha - drawn_ha) / drawn_ha < Decimal("0.03"), (
        code.measured_area_ha,
        drawn_ha,
    )
    west, south = min(p[0] for p in ring), min(p[1] for p in ring)
    east, north = max(p[0] for p in ring), max(p[1] for p in ring)
    assert abs((west + east) / 2 - LONELY[0]) < 0.0005, "centred where the map opened"
    assert abs((south + north) / 2 - LONELY[1]) < 0.0005
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert resources and all(r.startswith(live_server.url) for r in resources), resources
