"""Supervision states (monitored, due, overdue, never): the rule's Python and SQL forms
against a table of hand-written answers, and the same states through the API filter, the
admin list filter, the area-code detail and the dashboard."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import AreaCode, CodeStatus, Inspection, SupervisionState
from registry.rules import dates, supervision
from tests.factories import AreaCodeFactory, MarketFactory, PackingHouseFactory, set_status

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = date(2025, 6, 15)
MONITORED, DUE = SupervisionState.MONITORED, SupervisionState.DUE
OVERDUE, NEVER = SupervisionState.OVERDUE, SupervisionState.NEVER


def inspect(subject, on, kind="periodic", result="compliant"):
    relation = "area_code" if isinstance(subject, AreaCode) else "packing_house"
    return Inspection.objects.create(
        **{relation: subject},
        inspected_on=on,
        inspecting_body="Chi cục TT&BVTV Sơn La",
        kind=kind,
        result=result,
    )


#: (case, inspections [(date, kind)], {market: status}, state on D) with the default interval
#: (12 months) and due window (30 days): D + 30 = 2025-07-15.
DEFAULT_CASES = [
    ("never inspected", [], {"AU": "active"}, NEVER),
    ("inspected in January", [(date(2025, 1, 1), "periodic")], {"AU": "active"}, MONITORED),
    ("interval ends in 16 days", [(date(2024, 7, 1), "periodic")], {"AU": "active"}, DUE),
    ("interval ends on D + 30", [(date(2024, 7, 15), "video")], {"AU": "active"}, DUE),
    ("interval ends on D + 31", [(date(2024, 7, 16), "periodic")], {"AU": "active"}, MONITORED),
    ("interval ends on D", [(date(2024, 6, 15), "periodic")], {"AU": "active"}, DUE),
    ("interval ended the day before D", [(date(2024, 6, 14), "periodic")], {}, OVERDUE),
    (
        "an old and a recent inspection",
        [(date(2023, 1, 1), "periodic"), (date(2025, 3, 1), "follow_up")],
        {"AU": "suspended"},
        MONITORED,
    ),
    ("an unannounced inspection counts", [(date(2025, 2, 1), "unannounced")], {}, MONITORED),
]

#: The same with overrides: CN 6 months, a video inspection for CN 3 months.
OVERRIDES = {"CN": 6, "CN:video": 3}
OVERRIDE_CASES = [
    ("CN: 6 months", [(date(2025, 1, 1), "periodic")], {"CN": "active"}, DUE),
    ("CN: 6 months, overdue", [(date(2024, 12, 1), "periodic")], {"CN": "active"}, OVERDUE),
    (
        "CN and AU: the stricter holds",
        [(date(2024, 12, 1), "periodic")],
        {"AU": "active", "CN": "suspended"},
        OVERDUE,
    ),
    (
        "CN revoked: AU's 12 months hold",
        [(date(2024, 12, 1), "periodic")],
        {"AU": "active", "CN": "revoked"},
        MONITORED,
    ),
    ("CN video: 3 months", [(date(2025, 3, 1), "video")], {"CN": "active"}, OVERDUE),
    (
        "CN video and an older periodic: the longer reach holds",
        [(date(2025, 3, 1), "video"), (date(2024, 12, 20), "periodic")],
        {"CN": "active"},
        DUE,
    ),
    ("video for AU: 12 months", [(date(2025, 3, 1), "video")], {"AU": "active"}, MONITORED),
    ("no market: 12 months", [(date(2024, 8, 1), "video")], {}, MONITORED),
]


def build_cases(cases):
    markets = {code: MarketFactory(code=code) for code in ("AU", "CN")}
    built = {}
    for case, inspections, statuses, _expected in cases:
        code = AreaCodeFactory()
        for market, status in statuses.items():
            set_status(code, CodeStatus.ACTIVE, markets[market], on=date(2024, 1, 15))
            if status != CodeStatus.ACTIVE:
                set_status(code, status, markets[market], on=date(2024, 2, 1))
        for on, kind in inspections:
            inspect(code, on, kind)
        built[case] = code
    return built


@pytest.mark.parametrize(
    "cases, overrides", [(DEFAULT_CASES, {}), (OVERRIDE_CASES, OVERRIDES)], ids=["default", "cn"]
)
def test_python_and_sql_forms_agree_with_the_table(settings, cases, overrides):
    settings.SUPERVISION_INTERVAL_MONTHS = 12
    settings.SUPERVISION_DUE_WITHIN_DAYS = 30
    settings.SUPERVISION_INTERVAL_OVERRIDES = overrides
    codes = build_cases(cases)
    expected = {case: answer for case, *_rest, answer in cases}
    sql = {
        state: set(
            AreaCode.objects.filter(supervision.state_q(AreaCode, state, D)).values_list(
                "pk", flat=True
            )
        )
        for state in SupervisionState.values
    }
    column = dict(
        AreaCode.objects.annotate(state=supervision.state_expression(AreaCode, D)).values_list(
            "pk", "state"
        )
    )
    for case, code in codes.items():
        python, _end = supervision.subject_supervision(code, D)
        in_sql = [state for state, pks in sql.items() if code.pk in pks]
        assert (python, in_sql, column[code.pk]) == (
            expected[case],
            [expected[case]],
            expected[case],
        ), case


@pytest.mark.parametrize("months", [1, 3, 6, 12, 24])
def test_earliest_inspection_reaching_is_exact_at_month_ends(months):
    """Against brute force: the smallest date L with add_months(L, months) >= day."""
    start = date(2023, 12, 1)
    for offset in range(0, 120):
        day = start + timedelta(days=offset)  # through February 2024 (leap) and March's end
        brute = next(
            day - timedelta(days=back)
            for back in range(months * 31 + 5, -1, -1)
            if dates.add_months(day - timedelta(days=back), months) >= day
        )
        assert supervision.earliest_inspection_reaching(months, day) == brute, (months, day)


def test_interval_months_takes_the_most_specific_override(settings):
    settings.SUPERVISION_INTERVAL_MONTHS = 12
    settings.SUPERVISION_INTERVAL_OVERRIDES = {"CN": 6, "CN:video": 3, "video": 9}
    assert supervision.interval_months("CN", "video") == 3
    assert supervision.interval_months("CN", "periodic") == 6
    assert supervision.interval_months("AU", "video") == 9
    assert supervision.interval_months("AU", "periodic") == 12
    assert supervision.interval_months(None, "periodic") == 12
    assert supervision.overridden_markets() == ["CN"]


# --- Every state through the API, the admin and the dashboard ---------------------------------


@pytest.fixture
def states(settings):
    """One AU-active code in each state today (default interval), and a packing house."""
    settings.SUPERVISION_INTERVAL_OVERRIDES = {}
    au = MarketFactory(code="AU")
    today = dates.today()
    inspected = {
        MONITORED: dates.add_months(today, -2),
        DUE: dates.add_months(today, -12) + timedelta(days=10),
        OVERDUE: dates.add_months(today, -13),
        NEVER: None,
    }
    codes = {}
    for number, (state, on) in enumerate(inspected.items(), start=1):
        code = AreaCodeFactory(code=f"VN-SLOR-{number:04d}")
        set_status(code, CodeStatus.ACTIVE, au, on=date(2024, 1, 15))
        if on:
            inspect(code, on)
        codes[state] = code
    house = PackingHouseFactory(code="VN-SLPH-0001")
    inspect(house, dates.add_months(today, -13))
    return codes


@pytest.mark.parametrize("state", SupervisionState.values)
def test_api_filter_answers_each_state(states, state):
    response = APIClient().get(f"{API}/area-codes/", {"supervision": state})
    assert response.status_code == 200, response.content
    assert [row["code"] for row in response.json()["results"]] == [states[state].code]
    assert response.json()["results"][0]["supervision"]["state"] == state


def test_api_filter_takes_several_states_and_packing_houses(states):
    response = APIClient().get(f"{API}/area-codes/", {"supervision": "overdue,never"})
    assert {row["code"] for row in response.json()["results"]} == {
        states[OVERDUE].code,
        states[NEVER].code,
    }
    houses = APIClient().get(f"{API}/packing-houses/", {"supervision": "overdue"})
    assert [row["code"] for row in houses.json()["results"]] == ["VN-SLPH-0001"]


def test_api_filter_refuses_an_unknown_state_by_name(states):
    response = APIClient().get(f"{API}/area-codes/", {"supervision": "lapsed"})
    assert response.status_code == 400
    assert "supervision" in response.json()


def test_detail_shows_the_state_and_the_latest_inspections(states):
    code = states[MONITORED]
    older = inspect(code, dates.add_months(dates.today(), -20), kind="video")
    response = APIClient().get(f"{API}/area-codes/{code.code.lower()}/")
    body = response.json()
    assert body["supervision"] == {
        "state": MONITORED,
        "monitored_until": dates.add_months(dates.add_months(dates.today(), -2), 12).isoformat(),
    }
    assert [i["id"] for i in body["inspections"]] == [
        code.inspections.exclude(pk=older.pk).get().pk,
        older.pk,
    ]
    assert set(body["inspections"][0]) == {"id", "inspected_on", "kind", "result"}
    never = APIClient().get(f"{API}/area-codes/{states[NEVER].code}/").json()
    assert never["supervision"] == {"state": NEVER, "monitored_until": None}
    assert never["inspections"] == []


@pytest.mark.parametrize("state", SupervisionState.values)
def test_admin_list_filter_answers_each_state(states, admin_client, state):
    response = admin_client.get(
        reverse("admin:registry_areacode_changelist"), {"supervision": state}
    )
    assert response.status_code == 200
    shown = [code.code for code in response.context["cl"].result_list]
    assert shown == [states[state].code]


def test_admin_list_filter_refuses_an_unknown_state(states, admin_client):
    response = admin_client.get(
        reverse("admin:registry_areacode_changelist"), {"supervision": "lapsed"}
    )
    assert response.status_code == 302  # Django's answer to IncorrectLookupParameters
    assert "e=1" in response["Location"]


def test_dashboard_counts_codes_per_market_and_state(states, admin_client):
    cn = MarketFactory(code="CN")
    set_status(states[NEVER], CodeStatus.ACTIVE, cn, on=date(2024, 1, 15))
    response = admin_client.get(reverse("admin:index"))
    counts = {row["market"].code: row for row in response.context["supervision_counts"]}
    assert {k: counts["AU"][k] for k in SupervisionState.values} == dict.fromkeys(
        SupervisionState.values, 1
    )
    assert {k: counts["CN"][k] for k in SupervisionState.values} == {
        MONITORED: 0,
        DUE: 0,
        OVERDUE: 0,
        NEVER: 1,
    }
    html = response.content.decode()
    assert 'id="supervision-counts"' in html
    assert "market=AU&amp;status=active&amp;supervision=overdue" in html


def test_sample_data_shows_every_state():
    from django.core.management import call_command

    call_command("load_sample_data", verbosity=0)
    found = {
        state
        for state in SupervisionState.values
        if AreaCode.objects.filter(supervision.state_q(AreaCode, state)).exists()
    }
    assert found == set(SupervisionState.values)
    assert all("hư cấu" in i.record_number for i in Inspection.objects.all())
