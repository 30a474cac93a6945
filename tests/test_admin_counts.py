"""The admin's code lists take their counts from the answer cache, as the API does: exact,
and counted again only after a write commits; past ``ADMIN_EXACT_COUNT_LIMIT`` rows (the
PostgreSQL planner's estimate) they show the estimate, as such, and count nothing."""

from unittest import mock

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from registry.admin.codes import AreaCodeAdmin
from registry.models import AreaCode, AreaCodeMarket, CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version and the planner are PostgreSQL's"
)


def load(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if q["sql"].upper().startswith("SELECT COUNT(")]
    return response, counts


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def thirty_codes():
    """30 codes, 20 of them active for Australia, with fresh planner statistics."""
    au, us = MarketFactory(code="AU"), MarketFactory(code="US")
    for i in range(30):
        set_status(AreaCodeFactory(), CodeStatus.ACTIVE, au if i < 20 else us)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {AreaCode._meta.db_table}, {AreaCodeMarket._meta.db_table}")


@postgresql_only
def test_the_changelist_count_is_cached_until_a_write(admin_user):
    au = MarketFactory(code="AU")
    for _ in range(3):
        set_status(AreaCodeFactory(), CodeStatus.ACTIVE, au)
    client = signed_in(admin_user)
    url = "/admin/registry/areacode/?market=AU"

    response, counts = load(client, url)
    assert response.context["cl"].result_count == 3 and len(counts) == 1
    response, counts = load(client, url)
    assert response.context["cl"].result_count == 3 and counts == [], "served from the cache"

    set_status(AreaCodeFactory(), CodeStatus.ACTIVE, au)
    response, counts = load(client, url)
    assert response.context["cl"].result_count == 4 and len(counts) == 1, "exact after a write"


@postgresql_only
@override_settings(ADMIN_EXACT_COUNT_LIMIT=5)
@mock.patch.object(AreaCodeAdmin, "list_per_page", 4)
@pytest.mark.parametrize("query", ["", "market=AU"])
def test_past_the_limit_the_count_is_the_planners_estimate_shown_as_such(
    admin_user, thirty_codes, query
):
    client = signed_in(admin_user)
    response, counts = load(client, f"/admin/registry/areacode/?{query}")
    assert counts == [], "no exact count past the limit"
    cl = response.context["cl"]
    assert cl.paginator.count_is_estimate and cl.result_count > 5
    assert "khoảng" in response.text.split('class="paginator"')[1]

    # Pages still work: the second holds the next rows, in the list's order.
    response, counts = load(client, f"/admin/registry/areacode/?{query}&p=2")
    assert counts == []
    expected = AreaCode.objects.order_by("code")
    if query:
        expected = expected.filter(market_statuses__market__code="AU")
    assert [c.pk for c in response.context["cl"].result_list] == [c.pk for c in expected[4:8]]

    english = signed_in(admin_user)
    english.cookies["django_language"] = "en"
    response, _counts = load(english, f"/admin/registry/areacode/?{query}")
    assert f"about {response.context['cl'].result_count:,}" in response.text


@override_settings(ADMIN_EXACT_COUNT_LIMIT=25)
def test_under_the_limit_and_on_sqlite_the_count_is_exact(admin_user, thirty_codes):
    client = signed_in(admin_user)
    response, counts = load(client, "/admin/registry/areacode/?market=AU")
    cl = response.context["cl"]
    assert cl.result_count == 20 and not cl.paginator.count_is_estimate and len(counts) == 1
    assert "khoảng" not in response.text.split('class="paginator"')[1]
    with override_settings(ADMIN_EXACT_COUNT_LIMIT=5):
        response, counts = load(client, "/admin/registry/areacode/")
    if connection.vendor == "postgresql":
        assert response.context["cl"].paginator.count_is_estimate and counts == []
    else:  # SQLite has no planner estimate to offer: always exact
        assert response.context["cl"].result_count == 30 and len(counts) == 1
