"""The change feed as Atom (RFC 4287) for people, parsed back with feedparser (issue 13)."""

import time
from datetime import date

import feedparser
import pytest
from django.test import Client

from registry.models import CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/feeds/changes.atom"


def fetch(**params):
    response = Client().get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def wait_for_entries(count, seconds=120.0, **params):
    """Events are served once every older transaction on the server has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        parsed = fetch(**params)
        if len(parsed.entries) >= count:
            return parsed
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} entries")


def test_the_feed_parses_back_with_its_entries_in_either_language():
    au, cn = MarketFactory(code="AU"), MarketFactory(code="CN")
    code = AreaCodeFactory(code="VN-SLOR-0077")
    set_status(code, CodeStatus.ACTIVE, au, cn, on=date(2024, 2, 1))
    set_status(code, CodeStatus.SUSPENDED, cn, on=date(2024, 3, 1))
    parsed = wait_for_entries(4, lang="en")
    assert parsed.version == "atom10"
    titles = [entry.title for entry in parsed.entries]
    assert titles[0] == "VN-SLOR-0077, market CN: suspended", "newest first"
    assert "VN-SLOR-0077: new code" in titles
    first = parsed.entries[0]
    assert first.id.startswith("tag:") and first.link.endswith("/api/v1/area-codes/VN-SLOR-0077/")
    assert "2024-03-01" in first.summary
    assert len({entry.id for entry in parsed.entries}) == len(parsed.entries)

    vietnamese = fetch()
    assert vietnamese.entries[0].title == "VN-SLOR-0077, thị trường CN: tạm dừng"
    assert vietnamese.feed.title != parsed.feed.title

    only_au = fetch(lang="en", market="AU", kind="status_change")
    assert [entry.title for entry in only_au.entries] == ["VN-SLOR-0077, market AU: active"]


@pytest.mark.parametrize(
    "params, name",
    [({"market": "XX"}, "market"), ({"lang": "fr"}, "lang"), ({"marke": "AU"}, "marke")],
)
def test_a_bad_filter_is_a_400_naming_it(params, name):
    response = Client().get(URL, params)
    assert response.status_code == 400
    assert name in response.content.decode()
