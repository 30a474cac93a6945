"""The public pages as production serves them: DEBUG off, static files from the Dockerfile's
own collect step (hashed names), nothing named on another host."""

import re

import pytest

from registry.choices import CodeStatus
from registry.rules import dates
from tests.factories import AreaCodeFactory, MarketFactory, set_status
from tests.test_production import (  # noqa: F401 - fixtures
    assert_local_and_collected,
    collected,
    production_static,
)

pytestmark = pytest.mark.django_db


def test_the_public_pages_render_with_debug_off_from_the_collected_files(
    client,
    production_static,  # noqa: F811
):
    code = AreaCodeFactory(code="VN-SLOR-0001")
    set_status(code, CodeStatus.ACTIVE, MarketFactory(code="AU"), on=dates.today())
    for url, status in (
        ("/", 200),
        ("/?q=slor", 200),
        ("/stats/", 200),
        ("/codes/VN-SLOR-0001/", 200),
        ("/codes/VN-SLOR-0001/label/", 200),
        ("/codes/VN-ZZOR-0001/", 404),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        html = response.content.decode()
        stylesheet = re.search(r"/static/registry/public/(public|labels)\.[0-9a-f]{12}\.css", html)
        assert stylesheet, f"{url}: no hashed stylesheet"
        assert_local_and_collected(html, production_static)
    assert client.get("/codes/VN-SLOR-0001/qr.png")["Content-Type"] == "image/png"


def test_the_open_data_and_subscriptions_pages_render_with_debug_off_from_the_collected_files(
    admin_client,
    production_static,  # noqa: F811
    settings,
    tmp_path,
):
    """Their styles became static files: served hashed from what collectstatic wrote."""
    settings.OPEN_DATA_ROOT = str(tmp_path)
    for url, name in (("/open-data/", "open_data"), ("/subscriptions/", "subscriptions")):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert re.search(rf"/static/registry/{name}\.[0-9a-f]{{12}}\.css", html), url
        assert_local_and_collected(html, production_static)
