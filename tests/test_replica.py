"""The replica router with a second database alias (a mirror of the test database): the API's
reads go to the replica; writes, the admin and reads inside a transaction go to the primary."""

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import AreaCode, CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="replicas are PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def replica_reads(settings):
    settings.REGISTRY_REPLICA_READS = True


def queries(alias, call):
    with CaptureQueriesContext(connections[alias]) as captured:
        response = call()
    return response, len(captured)


def test_api_reads_come_from_the_replica_and_everything_else_from_the_primary(
    admin_user, administrator
):
    au = MarketFactory(code="AU")
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, au)
    api = APIClient()

    urls = ["/api/v1/area-codes/?market=AU", f"/api/v1/area-codes/{code.code}/"]
    for url in [*urls, "/api/v1/area-codes/?format=csv"]:
        with CaptureQueriesContext(connections["default"]) as primary:
            response, on_replica = queries("replica", lambda u=url: api.get(u))
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        assert on_replica > 0 and len(primary) == 0, (url, primary.captured_queries)

    writer = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=administrator)}")
    response, on_replica = queries(
        "replica",
        lambda: writer.patch(f"/api/v1/area-codes/{code.code}/", {"variety": "Hương Chi"}),
    )
    assert response.status_code == 200 and on_replica == 0, "a write reads the primary"
    assert response.json()["variety"] == "Hương Chi", "and answers with what it wrote"

    admin = APIClient()
    admin.force_login(admin_user)
    response, on_replica = queries("replica", lambda: admin.get("/admin/registry/areacode/"))
    assert response.status_code == 200 and on_replica == 0, "the admin reads the primary"


def test_inside_a_transaction_reads_stay_on_the_primary():
    from config.routers import _reading_from_replica

    MarketFactory(code="AU")
    token = _reading_from_replica.set(True)
    try:
        assert AreaCode.objects.all().db == "replica"
        with transaction.atomic():
            assert AreaCode.objects.all().db == "default"
    finally:
        _reading_from_replica.reset(token)
