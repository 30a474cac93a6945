"""The code lists' issue-year filter, which replaces the date hierarchy: it filters like the
hierarchy's year did, and its years are read once per data version instead of two queries over
every matching row on each page load (bench/admin_list.py measures the page at scale)."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import AreaCodeFactory

URL = "/admin/registry/areacode/"


def load(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    return response, [q["sql"] for q in captured]


def year_choices(response) -> list[str]:
    specs = response.context["cl"].filter_specs
    spec = next(s for s in specs if getattr(s, "parameter_name", "") == "issued_year")
    return [value for value, _label in spec.lookup_choices]


@pytest.mark.django_db
def test_issue_year_filters_the_codes(admin_client):
    AreaCodeFactory(code="VN-SLOR-2301", issued_on=date(2023, 3, 1))
    AreaCodeFactory(code="VN-SLOR-2501", issued_on=date(2025, 12, 31))
    response, queries = load(admin_client, {"issued_year": "2023"})
    assert [code.code for code in response.context["cl"].result_list] == ["VN-SLOR-2301"]
    assert year_choices(response) == ["2025", "2024", "2023"]
    assert response.context["cl"].date_hierarchy is None
    assert not [sql for sql in queries if "DATE_TRUNC" in sql.upper()], "no year scan"


@pytest.mark.django_db
def test_an_unreadable_year_is_refused(admin_client):
    AreaCodeFactory()
    response = admin_client.get(URL, {"issued_year": "20x3"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the data version is PostgreSQL's")
def test_issue_years_are_read_once_per_data_version(admin_user):
    AreaCodeFactory(issued_on=date(2024, 5, 1))
    client = Client()
    client.force_login(admin_user)
    response, queries = load(client)
    assert year_choices(response) == ["2024"]
    assert [sql for sql in queries if "MIN(" in sql.upper()]
    response, queries = load(client)
    assert year_choices(response) == ["2024"]
    assert not [sql for sql in queries if "MIN(" in sql.upper()], "served from the cache"
    AreaCodeFactory(issued_on=date(2022, 1, 1))
    response, _queries = load(client)
    assert year_choices(response) == ["2024", "2023", "2022"], "read again after a write"
