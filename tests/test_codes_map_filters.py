"""The area-code list's map shows exactly the codes the filtered list shows: for every choice of
every list filter the list offers (issue year included), for searches and for filters
combined, the codes in the map's GeoJSON are the codes on the list's page (all on one page)."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import sample_data
from registry.admin.codes import AreaCodeAdmin
from registry.models import AreaCode, Commune
from tests.factories import AreaCodeFactory

pytestmark = pytest.mark.django_db
CONFIG = re.compile(r'<script id="codes-map-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def admin_session(administrator, monkeypatch):
    sample_data.load()
    # the sample codes all lie in Sơn La: one elsewhere, so that the province filter narrows
    AreaCodeFactory(commune=Commune.objects.exclude(province__code="14").first())
    # every code of a filtered list on its one page, so that the page is the oracle
    monkeypatch.setattr(AreaCodeAdmin, "list_per_page", 10_000)
    client = Client()
    client.force_login(administrator)
    return client


def listed(client, query: str) -> set[str]:
    response = client.get(f"{reverse('admin:registry_areacode_changelist')}?{query}")
    assert response.status_code == 200, query
    changelist = response.context["cl"]
    assert len(changelist.result_list) == changelist.result_count, "all on one page"
    return {code.code for code in changelist.result_list}


def data_url(client, query: str) -> str:
    response = client.get(f"{reverse('admin:registry_areacode_map')}?{query}")
    assert response.status_code == 200
    return json.loads(CONFIG.search(response.content.decode()).group(1))["geojsonUrl"]


def mapped(client, query: str) -> set[str]:
    response = client.get(data_url(client, query))
    assert response.status_code == 200, query
    assert response["Content-Type"].startswith("application/geo+json")
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection"
    ids = [feature["id"] for feature in collection["features"]]
    assert len(ids) == len(set(ids)), "each code once"
    return set(ids)


def offered_choices(client) -> list[tuple[str, str]]:
    """(filter's parameter, query string) of every choice the unfiltered list offers, "All"
    aside."""
    response = client.get(reverse("admin:registry_areacode_changelist"))
    changelist = response.context["cl"]
    return [
        (spec.expected_parameters()[0], choice["query_string"].lstrip("?"))
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
        if not choice["selected"]
    ]


EXAMPLES = [
    {"issued_year": "2024", "kind__exact": "domestic"},
    {"market": "AU", "status": "active", "has_boundary": "true"},
    {"q": "song ma"},  # search ignores case and diacritics
    {"q": "VN-SLOR-000"},
    {"overlapping": "true", "q": "slor"},
    {"issued_year": "2024", "o": "-1", "p": "1"},  # ordering and page choose no codes
]


def test_the_map_shows_the_codes_of_the_filtered_list(admin_session):
    """One test, so that the sample registry is loaded once."""
    everything = set(AreaCode.objects.values_list("code", flat=True))
    assert mapped(admin_session, "") == listed(admin_session, "") == everything

    # Every choice of every list filter the list offers.
    choices = offered_choices(admin_session)
    filters = {name for name, _query in choices}
    assert {
        "market",
        "status",
        "province",
        "commune",
        "supervision",
        "certificate_validity",
        "has_boundary",
        "area_mismatch",
        "overlapping",
        "kind__exact",
        "crop__id__exact",
        "issued_year",
    } <= filters
    narrowed = set()
    for name, query in choices:
        on_list = listed(admin_session, query)
        assert mapped(admin_session, query) == on_list, query
        if on_list and on_list != everything:
            narrowed.add(name)
    # the comparison means something: each filter selects some codes and not others
    assert filters - narrowed == set()

    # The issue year, against the codes' own dates.
    years = sorted({code.issued_on.year for code in AreaCode.objects.all()})
    assert len(years) > 1
    for year in years:
        expected = {c.code for c in AreaCode.objects.all() if c.issued_on.year == year}
        query = urlencode({"issued_year": year})
        assert f"issued_year={year}" in data_url(admin_session, query)
        assert mapped(admin_session, query) == listed(admin_session, query) == expected

    # Searches, and filters combined.
    for example in EXAMPLES:
        query = urlencode(example)
        on_list = listed(admin_session, query)
        assert on_list, f"{example} selects codes"
        assert on_list != everything, f"{example} leaves codes out"
        assert mapped(admin_session, query) == on_list, example

    # No query per code: the whole list costs what one code costs, give or take a
    # related table that one code happens not to use.
    queries = []
    for query in ("q=VN-SLOR-0001", ""):
        with CaptureQueriesContext(connection) as captured:
            mapped(admin_session, query)
        queries.append(len(captured.captured_queries))
    assert queries[1] <= queries[0] + 2, queries


def test_an_unknown_filter_is_refused_and_the_data_needs_the_admin(administrator):
    client = Client()
    client.force_login(administrator)
    response = client.get(reverse("admin:registry_areacode_map_data") + "?nonsense=1")
    assert response.status_code == 400
    assert client.get(reverse("admin:registry_areacode_map_data")).status_code == 200
    anonymous = Client().get(reverse("admin:registry_areacode_map_data"))
    assert anonymous.status_code == 302  # to the admin's login
