"""The exporter API through the real HTTP stack and database."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from registry.models import AreaCode, CodeStatus
from registry.rules import dates
from registry.rules.tax_codes import tax_code
from tests.api_world import build_world
from tests.factories import AreaCodeFactory, UserFactory, set_status

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world():
    return build_world()


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# --- Look-ups --------------------------------------------------------------------------------


def test_area_code_detail_by_natural_key_in_any_case(api, world):
    for spelling in ("VN-SLOR-0002", "vn-slor-0002", "Vn-SlOr-0002"):
        response = api.get(f"{API}/area-codes/{spelling}/")
        assert response.status_code == 200
        assert response.json()["code"] == "VN-SLOR-0002"


def test_area_code_detail_shows_everything_an_exporter_needs(api, world):
    data = api.get(f"{API}/area-codes/VN-SLOR-0002/").json()
    assert data["crop"]["slug"] == "longan"
    assert data["cooperative"] == {"tax_code": tax_code(2), "name": "HTX Xoài Mường Lầm"}
    assert data["place"]["province"]["code"] == "14"
    assert data["place"]["commune"] == {"code": "04183", "name": "Xã Mường Lầm"}
    assert "legacy_location" in data["place"]
    assert data["area_ha"] == "15.00"
    markets = {m["market"]: m for m in data["markets"]}
    assert markets["AU"]["status"] == "active"
    assert markets["CN"] == {
        "market": "CN",
        "status": "suspended",
        "since": "2025-03-01",
        "reason": "GACC notice 17",
    }


def test_revoked_codes_still_answer(api, world):
    data = api.get(f"{API}/area-codes/vn-slor-0003/").json()
    assert data["markets"] == [
        {
            "market": "US",
            "status": "revoked",
            "since": "2025-05-01",
            "reason": "Holder gave up the area",
        }
    ]
    assert "VN-SLOR-0003" in codes(api.get(f"{API}/area-codes/"))


def test_unknown_code_is_a_json_404(api, world):
    response = api.get(f"{API}/area-codes/VN-SLOR-9999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ("packing-houses/vn-slph-0001", "code", "VN-SLPH-0001"),
        (f"cooperatives/{tax_code(1)}", "tax_code", tax_code(1)),
        ("markets/au", "code", "AU"),
        ("provinces/14", "name", "Sơn La"),
        ("communes/04204", "name", "Xã Chiềng Khoong"),
        ("communes/4204", "code", "04204"),
        ("crops/LONGAN", "slug", "longan"),
    ],
)
def test_other_details_by_natural_key(api, world, path, key, value):
    response = api.get(f"{API}/{path}/")
    assert response.status_code == 200, response.content
    assert response.json()[key] == value


def test_certificate_detail_and_list(api, world):
    data = api.get(f"{API}/vietgap-certificates/{world.expired_certificate.pk}/").json()
    assert data["number"] == "VG-EXPIRED"
    assert data["validity"] == "expired"
    assert data["cooperative"]["tax_code"] == tax_code(2)


def test_branch_tax_code_look_up(api, world):
    from tests.factories import CooperativeFactory

    CooperativeFactory(tax_code=tax_code(1, branch=1), name="HTX chi nhánh")
    assert api.get(f"{API}/cooperatives/{tax_code(1, branch=1)}/").json()["name"] == "HTX chi nhánh"


# --- Lists, ordering, pagination --------------------------------------------------------------


def test_list_default_order_and_pagination(api, world):
    response = api.get(f"{API}/area-codes/", {"limit": 2})
    data = response.json()
    assert data["count"] == 5
    assert [r["code"] for r in data["results"]] == ["VN-HN-01-00004-01-24", "VN-SLOR-0001"]
    second = api.get(data["next"]).json()
    assert [r["code"] for r in second["results"]] == ["VN-SLOR-0002", "VN-SLOR-0003"]


def test_default_page_size_is_50(api, world):
    for _ in range(55):
        AreaCodeFactory()
    data = api.get(f"{API}/area-codes/").json()
    assert data["count"] == 60
    assert len(data["results"]) == 50


def test_ordering(api, world):
    assert codes(api.get(f"{API}/area-codes/", {"ordering": "-code"}))[0] == "VN-SLOR-0004"
    ordered = codes(api.get(f"{API}/area-codes/", {"ordering": "crop__slug,-code"}))
    assert ordered == [
        "VN-SLOR-0004",
        "VN-SLOR-0002",
        "VN-SLOR-0001",
        "VN-SLOR-0003",
        "VN-HN-01-00004-01-24",
    ]


# --- Filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"market": "AU"}, {"VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0004"}),
        ({"market": "cn"}, {"VN-SLOR-0002"}),
        ({"crop": "mango"}, {"VN-SLOR-0003", "VN-HN-01-00004-01-24"}),
        ({"province": "14"}, {"VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003", "VN-SLOR-0004"}),
        ({"province": "01"}, {"VN-HN-01-00004-01-24"}),
        ({"commune": "04183"}, {"VN-SLOR-0002", "VN-SLOR-0004"}),
        ({"cooperative": tax_code(1)}, {"VN-SLOR-0001", "VN-SLOR-0003"}),
        ({"kind": "domestic"}, {"VN-HN-01-00004-01-24"}),
        ({"status": "revoked"}, {"VN-SLOR-0003"}),
        ({"status": "suspended"}, {"VN-SLOR-0002"}),
        ({"status": "active", "market": "CN"}, set()),
        ({"status": "suspended", "market": "AU"}, set()),
        ({"status": "active", "market": "AU"}, {"VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0004"}),
        ({"q": "chieng khoong"}, {"VN-SLOR-0001", "VN-SLOR-0003"}),
        ({"q": "MƯỜNG LẦM"}, {"VN-SLOR-0002", "VN-SLOR-0004"}),
        ({"q": "slor-0004"}, {"VN-SLOR-0004"}),
        ({"certificate_validity": "expired"}, {"VN-SLOR-0004"}),
    ],
)
def test_each_area_code_filter(api, world, params, expected):
    assert set(codes(api.get(f"{API}/area-codes/", params))) == expected


def test_crop_by_id(api, world):
    assert set(codes(api.get(f"{API}/area-codes/", {"crop": world.mango.pk}))) == {
        "VN-SLOR-0003",
        "VN-HN-01-00004-01-24",
    }


def test_repeated_and_comma_separated_values_mean_or(api, world):
    repeated = api.get(f"{API}/area-codes/?market=US&market=CN")
    commas = api.get(f"{API}/area-codes/", {"market": "US,CN"})
    expected = {"VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"}
    assert set(codes(repeated)) == set(codes(commas)) == expected
    statuses = api.get(f"{API}/area-codes/?status=suspended&status=revoked")
    assert set(codes(statuses)) == {"VN-SLOR-0002", "VN-SLOR-0003"}
    communes = api.get(f"{API}/area-codes/", {"commune": "04204,04183", "crop": "longan,mango"})
    assert len(codes(communes)) == 4


def test_filters_combine_with_and(api, world):
    params = {"market": "AU", "crop": "longan", "province": "14", "commune": "04183"}
    assert set(codes(api.get(f"{API}/area-codes/", params))) == {"VN-SLOR-0002", "VN-SLOR-0004"}
    params["q"] = "slor-0002"
    assert codes(api.get(f"{API}/area-codes/", params)) == ["VN-SLOR-0002"]


def test_valid_on(api, world):
    today = dates.today().isoformat()
    assert set(codes(api.get(f"{API}/area-codes/", {"valid_on": today, "market": "AU"}))) == {
        "VN-SLOR-0001",
        "VN-SLOR-0002",
    }  # 0004 is active for AU but its VietGAP basis expired on 2025-01-01
    assert codes(api.get(f"{API}/area-codes/", {"valid_on": today, "market": "CN"})) == []
    assert codes(api.get(f"{API}/area-codes/", {"valid_on": "2025-02-01", "market": "CN"})) == [
        "VN-SLOR-0002"
    ]
    assert set(
        codes(api.get(f"{API}/area-codes/", {"valid_on": "2024-12-31", "market": "AU"}))
    ) == {"VN-SLOR-0002", "VN-SLOR-0004"}
    assert set(codes(api.get(f"{API}/area-codes/", {"valid_on": today}))) == {
        "VN-SLOR-0001",
        "VN-SLOR-0002",
    }
    assert codes(api.get(f"{API}/area-codes/", {"valid_on": "2024-01-01", "market": "AU,CN"})) == []


def test_updated_since(api, world):
    later = dates.today() + timedelta(days=1)
    assert codes(api.get(f"{API}/area-codes/", {"updated_since": later.isoformat()})) == []
    since = AreaCode.objects.get(code="VN-SLOR-0003").updated_at
    AreaCode.objects.filter(code="VN-SLOR-0001").update(updated_at=since - timedelta(days=3))
    changed = codes(
        api.get(f"{API}/area-codes/", {"updated_since": (since - timedelta(days=1)).isoformat()})
    )
    assert "VN-SLOR-0001" not in changed and "VN-SLOR-0003" in changed


def test_status_change_moves_updated_at(api, world):
    code = AreaCode.objects.get(code="VN-SLOR-0001")
    AreaCode.objects.filter(pk=code.pk).update(updated_at=code.updated_at - timedelta(days=30))
    cutoff = code.updated_at - timedelta(days=1)
    assert "VN-SLOR-0001" not in codes(
        api.get(f"{API}/area-codes/", {"updated_since": cutoff.isoformat()})
    )
    set_status(code, CodeStatus.SUSPENDED, world.au, on=dates.today())
    assert "VN-SLOR-0001" in codes(
        api.get(f"{API}/area-codes/", {"updated_since": cutoff.isoformat()})
    )


def test_packing_house_filters(api, world):
    assert codes(api.get(f"{API}/packing-houses/", {"market": "CN"})) == ["VN-SLPH-0001"]
    assert codes(api.get(f"{API}/packing-houses/", {"market": "AU"})) == []
    assert codes(api.get(f"{API}/packing-houses/", {"valid_on": "2025-01-01", "market": "CN"})) == [
        "VN-SLPH-0001"
    ]
    assert codes(api.get(f"{API}/packing-houses/", {"q": "song ma"})) == ["VN-SLPH-0001"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"province": "14"}, {tax_code(1), tax_code(2)}),
        ({"commune": "04204"}, {tax_code(1)}),
        ({"status": "active"}, {tax_code(1), tax_code(2), tax_code(3, office="01")}),
        ({"status": "dissolved"}, set()),
        ({"has_trademark": "true"}, {tax_code(1)}),
        ({"has_trademark": "false"}, {tax_code(2), tax_code(3, office="01")}),
        ({"market": "CN"}, set()),
        ({"market": "AU"}, {tax_code(1), tax_code(2)}),
        ({"market": "US,CN"}, {tax_code(1)}),
        ({"q": "xoai muong"}, {tax_code(2)}),
    ],
)
def test_cooperative_filters(api, world, params, expected):
    response = api.get(f"{API}/cooperatives/", params)
    assert response.status_code == 200, response.content
    assert {r["tax_code"] for r in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cooperative": tax_code(2)}, {"VG-EXPIRED"}),
        ({"crop": "longan"}, {"VG-EXPIRED", "VG-VALID"}),
        ({"body": "VietGAP-TT-19-02"}, {"VG-EXPIRED"}),
        ({"validity": "expired"}, {"VG-EXPIRED"}),
        ({"validity": "valid"}, {"VG-VALID"}),
        ({"validity": "valid,expired"}, {"VG-EXPIRED", "VG-VALID"}),
        ({"validity": "expiring"}, set()),
        ({"expires_before": "2026-01-01"}, {"VG-EXPIRED"}),
        ({"expires_after": "2026-01-01"}, {"VG-VALID"}),
        ({"q": "chieng khoong"}, {"VG-VALID"}),
    ],
)
def test_certificate_filters(api, world, params, expected):
    response = api.get(f"{API}/vietgap-certificates/", params)
    assert response.status_code == 200, response.content
    assert {r["number"] for r in response.json()["results"]} == expected


def test_communes_filter_by_province(api, world):
    data = api.get(f"{API}/communes/", {"province": "14", "limit": 1000}).json()
    assert data["count"] == 75


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("area-codes", {"valid_on": "yesterday"}, "valid_on"),
        ("area-codes", {"market": "ZZ"}, "market"),
        ("area-codes", {"market": "AU,ZZ"}, "market"),
        ("area-codes", {"crop": "durian"}, "crop"),
        ("area-codes", {"province": "99"}, "province"),
        ("area-codes", {"commune": "abc"}, "commune"),
        ("area-codes", {"status": "sleeping"}, "status"),
        ("area-codes", {"kind": "foreign"}, "kind"),
        ("area-codes", {"updated_since": "last week"}, "updated_since"),
        ("area-codes", {"limit": "-1"}, "limit"),
        ("area-codes", {"limit": "lots"}, "limit"),
        ("area-codes", {"limit": "5000"}, "limit"),
        ("area-codes", {"offset": "-3"}, "offset"),
        ("area-codes", {"ordering": "password"}, "ordering"),
        ("cooperatives", {"has_trademark": "perhaps"}, "has_trademark"),
        ("vietgap-certificates", {"validity": "eternal"}, "validity"),
        ("vietgap-certificates", {"expires_before": "2026-13-01"}, "expires_before"),
    ],
)
def test_bad_filter_values_are_400s_naming_the_parameter(api, world, path, params, parameter):
    response = api.get(f"{API}/{path}/", params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert parameter in body, body
    assert body[parameter]


def test_400_says_what_is_wrong(api, world):
    body = api.get(f"{API}/area-codes/", {"market": "AU,ZZ"}).json()
    assert body.pop("request_id"), "every error names its request, for the logs"
    assert body == {"market": ["Unknown market: ZZ."]}
    assert (
        "valid date"
        in api.get(f"{API}/area-codes/", {"valid_on": "yesterday"}).json()["valid_on"][0]
    )


# --- Bulk check ------------------------------------------------------------------------------


def check(api, **body):
    return api.post(f"{API}/area-codes/check/", body, format="json")


def test_bulk_check_answers_each_code_in_order(api, world):
    response = check(
        api,
        market="AU",
        date="2026-01-15",
        codes=[
            "vn-slor-0002",
            "VN-SLOR-9999",
            "VN-SLOR-0003",
            "VN-SLOR-0004",
            "VN-SLOR-0001",
            "vn-slph-0001",
        ],
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["market"], data["date"]) == ("AU", "2026-01-15")
    results = data["results"]
    assert [r["code"] for r in results] == [
        "vn-slor-0002",
        "VN-SLOR-9999",
        "VN-SLOR-0003",
        "VN-SLOR-0004",
        "VN-SLOR-0001",
        "vn-slph-0001",
    ]
    ok, unknown, not_for_au, expired, _valid, house = results
    assert ok == {
        "code": "vn-slor-0002",
        "exists": True,
        "kind": "area_code",
        "valid": True,
        "status": "active",
        "status_since": "2024-02-01",
        "reason": "",
    }
    assert unknown["exists"] is False and unknown["valid"] is False
    assert "Unknown code" in unknown["reason"]
    assert not_for_au["exists"] and not not_for_au["valid"] and not_for_au["status"] is None
    assert "Not registered for AU" in not_for_au["reason"]
    assert expired["status"] == "active" and not expired["valid"]
    assert "VG-EXPIRED expired on 2025-01-01" in expired["reason"]
    assert house["kind"] == "packing_house" and house["status"] is None


def test_bulk_check_explains_suspension_and_revocation(api, world):
    cn = check(api, market="cn", codes=["VN-SLOR-0002"]).json()["results"][0]
    assert cn["valid"] is False
    assert cn["status"] == "suspended"
    assert cn["reason"] == "Suspended for CN since 2025-03-01: GACC notice 17"
    us = check(api, market="US", codes=["VN-SLOR-0003"]).json()["results"][0]
    assert us["status"] == "revoked"
    assert us["reason"] == "Revoked for US since 2025-05-01: Holder gave up the area"


def test_bulk_check_defaults_to_today(api, world):
    data = check(api, market="AU", codes=["VN-SLOR-0001"]).json()
    assert data["date"] == dates.today().isoformat()
    assert data["results"][0]["valid"] is True


def test_bulk_check_in_vietnamese_on_request(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    result = check(client, market="CN", codes=["VN-SLOR-0002"]).json()["results"][0]
    assert result["reason"] == "Tạm dừng cho CN từ ngày 2025-03-01: GACC notice 17"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"codes": ["VN-SLOR-0001"]}, "market"),
        ({"market": "ZZ", "codes": ["VN-SLOR-0001"]}, "market"),
        ({"market": "AU"}, "codes"),
        ({"market": "AU", "codes": []}, "codes"),
        ({"market": "AU", "codes": "VN-SLOR-0001"}, "codes"),
        ({"market": "AU", "codes": ["X"] * 1001}, "codes"),
        ({"market": "AU", "codes": ["VN-SLOR-0001"], "date": "tomorrow"}, "date"),
        ({"market": "AU", "codes": [{"code": 1}]}, "codes"),
    ],
)
def test_bulk_check_bad_body_is_a_400_naming_the_field(api, world, body, field):
    response = api.post(f"{API}/area-codes/check/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_bulk_check_malformed_json_is_a_400(api, world):
    response = api.post(f"{API}/area-codes/check/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("market", ["AU", "US", "CN"])
@pytest.mark.parametrize(
    "day", [date(2024, 1, 1), date(2024, 6, 1), date(2025, 2, 1), date(2025, 4, 1), None]
)
def test_list_and_check_never_disagree(api, world, market, day):
    day = day or dates.today()
    everything = list(AreaCode.objects.values_list("code", flat=True))
    listed = set(
        codes(api.get(f"{API}/area-codes/", {"market": market, "valid_on": day.isoformat()}))
    )
    results = check(api, market=market, date=day.isoformat(), codes=everything).json()["results"]
    assert listed == {r["code"] for r in results if r["valid"]}


# --- Writes and permissions ------------------------------------------------------------------

NEW_CODE = {
    "code": "vn-slor-0100",
    "crop": "longan",
    "cooperative": tax_code(1),
    "commune": "04204",
    "area_ha": "12.5",
    "issued_on": "2026-01-10",
}


def user_with(*codenames):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_anonymous_cannot_write(api, world):
    response = api.post(f"{API}/area-codes/", NEW_CODE, format="json")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert not AreaCode.objects.filter(code="VN-SLOR-0100").exists()


def test_user_without_permission_cannot_write(api, world):
    api.force_authenticate(user_with("view_areacode"))
    assert api.post(f"{API}/area-codes/", NEW_CODE, format="json").status_code == 403


def test_user_with_permission_creates_and_updates_by_token(world):
    from rest_framework.authtoken.models import Token

    user = user_with("add_areacode", "change_areacode")
    token = Token.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(f"{API}/area-codes/", NEW_CODE, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "VN-SLOR-0100"
    assert response.json()["crop"]["slug"] == "longan"
    patch = client.patch(f"{API}/area-codes/VN-SLOR-0100/", {"area_ha": "20"}, format="json")
    assert patch.status_code == 200, patch.content
    assert AreaCode.objects.get(code="VN-SLOR-0100").area_ha == 20
    renamed = client.patch(
        f"{API}/area-codes/VN-SLOR-0100/", {"code": "VN-SLOR-0101"}, format="json"
    )
    assert renamed.status_code == 400 and "code" in renamed.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "VN-SLOR-0001"}, "code"),
        ({"code": "vn-slor-0001"}, "code"),
        ({"crop": "durian"}, "crop"),
        ({"cooperative": "123"}, "cooperative"),
        ({"area_ha": "0"}, "area_ha"),
        ({"area_ha": "many"}, "area_ha"),
        ({"issued_on": "soon"}, "issued_on"),
        ({"latitude": "123"}, "latitude"),
    ],
)
def test_bad_writes_are_400s_naming_the_field(api, world, change, field):
    api.force_authenticate(user_with("add_areacode"))
    response = api.post(f"{API}/area-codes/", {**NEW_CODE, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_certificate_write_checks_its_dates(api, world):
    api.force_authenticate(user_with("add_vietgapcertificate"))
    body = {
        "number": "VG-NEW",
        "body": "VietGAP-TT-13-09",
        "cooperative": tax_code(1),
        "crop": "longan",
        "area_ha": "10",
        "commune": "04204",
        "issued_on": "2026-01-01",
        "expires_on": "2028-06-01",
    }
    response = api.post(f"{API}/vietgap-certificates/", body, format="json")
    assert response.status_code == 400
    assert "expires_on" in response.json()
    body["expires_on"] = "2028-01-01"
    assert api.post(f"{API}/vietgap-certificates/", body, format="json").status_code == 201


def test_cooperative_write_checks_tax_code(api, world):
    api.force_authenticate(user_with("add_cooperative"))
    body = {"tax_code": "12-34", "name": "HTX Mới", "commune": "04204"}
    response = api.post(f"{API}/cooperatives/", body, format="json")
    assert response.status_code == 400 and "tax_code" in response.json()


@pytest.mark.parametrize("path", ["area-codes/VN-SLOR-0001", "packing-houses/VN-SLPH-0001"])
def test_codes_cannot_be_deleted(api, world, path):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x")
    api.force_authenticate(admin)
    response = api.delete(f"{API}/{path}/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert api.get(f"{API}/{path}/").status_code == 200


# --- Errors are JSON everywhere -------------------------------------------------------------


def test_unknown_api_path_is_a_json_404(api):
    response = api.get(f"{API}/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "request_id": response["X-Request-ID"]}


def test_rate_limit_is_a_json_429(api, world, monkeypatch):
    from registry.api.throttling import AnonymousRateLimit

    monkeypatch.setattr(AnonymousRateLimit, "THROTTLE_RATES", {"anon": "3/minute"})
    # one fixed window for the whole test: a minute boundary between requests opens a new one
    monkeypatch.setattr(AnonymousRateLimit, "timer", staticmethod(lambda: 1_800_000_030.0))
    statuses = [api.get(f"{API}/markets/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(f"{API}/markets/")
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"].lower()
    assert 0 < int(response["Retry-After"]) <= 61


def test_server_error_under_api_is_json(client, settings):
    from django.test import RequestFactory

    from registry.api.errors import server_error

    response = server_error(RequestFactory().get(f"{API}/area-codes/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


# --- Documentation ---------------------------------------------------------------------------


def test_openapi_schema_lists_every_filter(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/area-codes/"]["get"]["parameters"]}
    for name in (
        "market",
        "crop",
        "province",
        "commune",
        "cooperative",
        "kind",
        "status",
        "valid_on",
        "updated_since",
        "q",
        "limit",
        "offset",
        "ordering",
    ):
        assert name in parameters, name
        assert parameters[name].get("description"), name
    assert parameters["valid_on"]["schema"]["format"] == "date"
    assert "/api/v1/area-codes/check/" in schema["paths"]


def test_swagger_ui(client):
    assert client.get("/api/docs/").status_code == 200


# --- Query counts do not grow with rows ------------------------------------------------------


def add_codes(world, n):
    for _ in range(n):
        code = AreaCodeFactory(crop=world.longan, cooperative=world.khoong)
        set_status(code, CodeStatus.ACTIVE, world.au, world.us)


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/area-codes/?market=AU&crop=longan",
        f"{API}/area-codes/?valid_on=2026-01-01&market=AU",
        f"{API}/packing-houses/",
        f"{API}/cooperatives/",
        f"{API}/vietgap-certificates/",
    ],
)
def test_list_queries_do_not_grow_with_rows(api, world, django_assert_max_num_queries, url):
    # filter look-ups, data version, count, page, one query per relation, market statuses,
    # inspections (area codes)
    add_codes(world, 3)
    with django_assert_max_num_queries(12):
        assert api.get(url).status_code == 200
    add_codes(world, 40)
    with django_assert_max_num_queries(12):
        assert api.get(url).status_code == 200


def test_detail_and_check_queries_are_constant(api, world, django_assert_max_num_queries):
    add_codes(world, 30)
    # the joined row, its market statuses, inspections, growers' count
    with django_assert_max_num_queries(4):
        assert api.get(f"{API}/area-codes/VN-SLOR-0001/").status_code == 200
    everything = [*list(AreaCode.objects.values_list("code", flat=True)), "VN-XX-NONE"]
    with django_assert_max_num_queries(4):
        response = check(api, market="AU", codes=everything)
    assert len(response.json()["results"]) == len(everything)


def test_representations_match_the_declarative_serializers(world):
    from registry.api import representations
    from registry.api import serializers as s
    from registry.models import PackingHouse

    for model, representation, serializer in (
        (AreaCode, representations.AreaCodes, s.AreaCodeSerializer),
        (PackingHouse, representations.PackingHouses, s.PackingHouseSerializer),
    ):
        for obj in model.objects.all():
            declared = serializer(obj).data
            joined = model.objects.filter(pk=obj.pk).values(
                *representation.fields, *representation.joined
            )
            assert representation.render(list(joined)) == [declared], obj
            plain = list(model.objects.filter(pk=obj.pk).values(*representation.fields))
            assert representation.render(representation.complete(plain)) == [declared], obj


@pytest.mark.parametrize("field", ["code", "pk", "cooperative_id"])
def test_prepared_lookups_return_what_the_orm_returns(world, field):
    from registry.api.prepared import PreparedLookup
    from registry.api.representations import AreaCodes

    def build():
        return AreaCode.objects.order_by("code").values(*AreaCodes.fields, *AreaCodes.joined)

    lookup = PreparedLookup(build, field)
    for code in AreaCode.objects.all():
        value = getattr(code, "pk" if field == "pk" else field)
        assert lookup.rows(value) == list(build().filter(**{field: value}))
    assert lookup.rows("VN-NOPE" if field == "code" else 10**9) == []


def test_cached_list_pages_follow_every_write(api, world):
    from django.db import connection

    url = f"{API}/area-codes/?market=AU"
    first = api.get(url).json()
    assert api.get(url).json() == first
    with connection.cursor() as cursor:  # a write that bypasses the ORM entirely
        cursor.execute(
            "UPDATE registry_areacode SET variety = 'Hương Chi' WHERE code = 'VN-SLOR-0001'"
        )
    rows = {r["code"]: r for r in api.get(url).json()["results"]}
    assert rows["VN-SLOR-0001"]["variety"] == "Hương Chi"


def test_packing_house_create_and_rename_refused(api, world):
    api.force_authenticate(user_with("add_packinghouse", "change_packinghouse"))
    body = {
        "code": "vn-slph-0042",
        "name": "Cơ sở đóng gói Mới",
        "commune": "04168",
        "cooperative": tax_code(1),
        "issued_on": "2026-03-01",
    }
    response = api.post(f"{API}/packing-houses/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["code"], data["cooperative"]["tax_code"]) == ("VN-SLPH-0042", tax_code(1))
    assert data["place"]["commune"]["code"] == "04168"
    duplicate = api.post(f"{API}/packing-houses/", {**body, "code": "VN-SLPH-0042"}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    renamed = api.patch(
        f"{API}/packing-houses/VN-SLPH-0042/", {"code": "VN-SLPH-0043"}, format="json"
    )
    assert renamed.status_code == 400 and "code" in renamed.json()
