"""The admin's code lists take their counts from the answer cache, as the API does: exact,
and counted again only after a write commits."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the data version is PostgreSQL's"
    ),
]


def load(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if q["sql"].upper().startswith("SELECT COUNT(")]
    return response, counts


def test_the_changelist_count_is_cached_until_a_write(admin_user):
    au = MarketFactory(code="AU")
    for _ in range(3):
        set_status(AreaCodeFactory(), CodeStatus.ACTIVE, au)
    client = Client()
    client.force_login(admin_user)
    url = "/admin/registry/areacode/?market=AU"

    response, counts = load(client, url)
    assert response.context["cl"].result_count == 3 and len(counts) == 1
    response, counts = load(client, url)
    assert response.context["cl"].result_count == 3 and counts == [], "served from the cache"

    set_status(AreaCodeFactory(), CodeStatus.ACTIVE, au)
    response, counts = load(client, url)
    assert response.context["cl"].result_count == 4 and len(counts) == 1, "exact after a write"
