"""Hostile input (issue 10): what schemathesis and an attacker sent, each answered with a 4xx
whose JSON body names the parameter or field, never a 500."""

from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.rules.tax_codes import tax_code
from tests.api_world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def admin_api(administrator):
    token = Token.objects.create(user=administrator)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def error(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


# --- NUL bytes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "area-codes/%00/",
        "packing-houses/%00/",
        "cooperatives/%00/",
        "vietgap-certificates/%00/",
        "markets/%00/",
        "crops/%00/",
        "provinces/%00/",
        "communes/%00/",
        "area-codes/VN%00/status-changes/",
    ],
)
def test_nul_byte_in_a_key_is_not_found(api, world, path):
    assert "detail" in error(api.get(f"{API}/{path}"), 404)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("area-codes/", "cooperative"),
        ("area-codes/", "market"),
        ("area-codes/", "crop"),
        ("area-codes/", "province"),
        ("area-codes/", "commune"),
        ("area-codes/", "q"),
        ("vietgap-certificates/", "body"),
        ("cooperatives/", "market"),
        ("communes/", "q"),
    ],
)
def test_nul_byte_in_a_key_filter_names_the_parameter(api, world, path, parameter):
    body = error(api.get(f"{API}/{path}", {parameter: "AU\x00"}))
    assert parameter in body


def test_nul_byte_in_a_bulk_check_names_the_field(api, world):
    body = error(
        api.post(f"{API}/area-codes/check/", {"market": "AU\x00", "codes": ["X"]}, format="json")
    )
    assert "market" in body
    body = error(
        api.post(f"{API}/area-codes/check/", {"market": "AU", "codes": ["VN\x00"]}, format="json")
    )
    assert "codes" in body


def test_nul_byte_in_a_status_change_names_the_field(admin_api, world):
    url = f"{API}/area-codes/VN-SLOR-0001/status-changes/"
    payload = {"to_status": "suspended", "reason": "r", "source": "mard", "markets": ["AU\x00"]}
    assert "markets" in error(admin_api.post(url, payload, format="json"))
    payload = {"to_status": "suspended", "reason": "r\x00", "source": "mard"}
    assert "reason" in error(admin_api.post(url, payload, format="json"))


def test_nul_byte_in_a_write_names_the_field(admin_api, world):
    body = error(
        admin_api.patch(f"{API}/cooperatives/{tax_code(1)}/", {"name": "HTX\x00"}, format="json")
    )
    assert "name" in body


def test_nul_byte_in_the_admin_is_not_a_server_error(world, administrator):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(administrator)
    for url in (
        "/admin/registry/areacode/%00/history/",
        "/admin/registry/areacode/%00/change/",
        "/admin/registry/cooperative/%00/history/",
        "/admin/registry/areacode/add/?cooperative=%00",
        "/admin/registry/areacode/?q=%00",
        "/admin/registry/areacode/?market=%00",
    ):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
    response = client.post("/admin/registry/market/add/", {"code": "A\x00", "name_en": "x"})
    assert response.status_code < 500


# --- A % in a filter value ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("area-codes/", "market", "%s"),
        ("area-codes/", "crop", "%d"),
        ("area-codes/", "cooperative", "%(x)s"),
        ("vietgap-certificates/", "body", "100%"),
        ("area-codes/", "status", "%s"),
        ("cooperatives/", "has_trademark", "%s"),
    ],
)
def test_a_percent_sign_in_a_filter_value_is_shown_once(api, world, path, parameter, value):
    body = error(api.get(f"{API}/{path}", {parameter: value}))
    assert value.lower() in body[parameter][0].lower(), body  # market codes are upper-cased


# --- CSV where there is none -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "area-codes/VN-SLOR-0001/"),
        ("get", f"cooperatives/{tax_code(1)}/"),
        ("get", "area-codes/VN-SLOR-0001/status-changes/"),
        ("get", f"cooperatives/{tax_code(1)}/history/"),
        ("post", "area-codes/check/"),
        ("get", "markets/"),
        ("get", "markets/AU/"),
    ],
)
@pytest.mark.parametrize("how", ["format", "accept"])
def test_csv_asked_of_an_endpoint_without_it_is_406(admin_api, world, method, path, how):
    url = f"{API}/{path}"
    payload = {"market": "AU", "codes": ["VN-SLOR-0001"]} if method == "post" else None
    if how == "format":
        response = getattr(admin_api, method)(f"{url}?format=csv", payload, format="json")
    else:
        response = getattr(admin_api, method)(url, payload, format="json", HTTP_ACCEPT="text/csv")
    assert "detail" in error(response, 406)


def test_csv_lists_still_download(api, world):
    response = api.get(f"{API}/area-codes/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"VN-SLOR-0001" in b"".join(response.streaming_content)


# --- Deeply nested JSON ------------------------------------------------------------------------


def test_json_nested_5000_deep_is_400(api, world):
    body = "[" * 5000 + "]" * 5000
    response = api.post(f"{API}/area-codes/check/", body, content_type="application/json")
    assert "detail" in error(response)
    body = '{"market": ' + "[" * 5000 + "]" * 5000 + "}"
    response = api.post(f"{API}/area-codes/check/", body, content_type="application/json")
    assert "detail" in error(response)


# --- Dates outside the window ------------------------------------------------------------------


def _certificate(**changes):
    return {
        "number": "VG-NEW",
        "body": "VietGAP-TT-13-09",
        "cooperative": tax_code(1),
        "crop": "longan",
        "area_ha": "3.00",
        "commune": "04204",
        "issued_on": "2025-01-01",
        "expires_on": "2026-01-01",
        **changes,
    }


@pytest.mark.parametrize("field", ["issued_on", "expires_on", "revoked_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "1949-12-31", "9999-10-01", "9999-12-31"])
def test_certificate_dates_outside_the_window_name_the_field(admin_api, world, field, day):
    changes = {field: day}
    if field == "revoked_on":
        changes["revocation_reason"] = "r"
    body = error(admin_api.post(f"{API}/vietgap-certificates/", _certificate(**changes)))
    assert field in body, body


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_cooperative_and_code_dates_outside_the_window_name_the_field(admin_api, world, day):
    body = error(
        admin_api.patch(
            f"{API}/cooperatives/{tax_code(1)}/", {"established_on": day}, format="json"
        )
    )
    assert "established_on" in body
    body = error(
        admin_api.patch(f"{API}/area-codes/VN-SLOR-0001/", {"issued_on": day}, format="json")
    )
    assert "issued_on" in body
    body = error(
        admin_api.patch(f"{API}/packing-houses/VN-SLPH-0001/", {"issued_on": day}, format="json")
    )
    assert "issued_on" in body


def test_status_change_and_check_dates_outside_the_window_name_the_field(admin_api, world):
    url = f"{API}/area-codes/VN-SLOR-0001/status-changes/"
    payload = {"to_status": "suspended", "reason": "r", "source": "mard"}
    body = error(admin_api.post(url, {**payload, "effective_on": "9999-12-31"}, format="json"))
    assert "effective_on" in body
    body = error(
        admin_api.post(
            f"{API}/area-codes/check/",
            {"market": "AU", "codes": ["VN-SLOR-0001"], "date": "0001-01-01"},
            format="json",
        )
    )
    assert "date" in body


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("area-codes/", "valid_on", "9999-12-31"),
        ("area-codes/", "valid_on", "0001-01-01"),
        ("vietgap-certificates/", "expires_before", "9999-12-31"),
        ("vietgap-certificates/", "expires_after", "0001-01-01"),
        ("area-codes/", "updated_since", "0001-01-01T00:00:00Z"),
        ("cooperatives/", "updated_since", "9999-12-31T23:59:59Z"),
        ("area-codes/", "updated_since", "2025-01-01T00:00:00+20:17"),
        ("area-codes/", "updated_since", "2025-01-01T00:00:00-14:01"),
    ],
)
def test_filter_dates_outside_the_window_name_the_parameter(api, world, path, parameter, value):
    assert parameter in error(api.get(f"{API}/{path}", {parameter: value}))
    # the CSV download refuses it before streaming anything
    assert parameter in error(api.get(f"{API}/{path}", {parameter: value, "format": "csv"}))


def test_dates_at_the_window_edges_are_accepted(admin_api, world):
    from registry.rules import dates

    assert date(1950, 1, 1) == dates.EARLIEST
    response = admin_api.patch(
        f"{API}/cooperatives/{tax_code(1)}/", {"established_on": "1950-01-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    response = admin_api.get(f"{API}/area-codes/", {"updated_since": "2025-01-01T00:00:00+14:00"})
    assert response.status_code == 200, response.content


def test_the_date_window_holds_in_model_validation(world):
    from django.core.exceptions import ValidationError

    world.khoong.established_on = date(1, 1, 1)
    with pytest.raises(ValidationError) as raised:
        world.khoong.full_clean()
    assert "established_on" in raised.value.message_dict


# --- NFD certificate numbers -------------------------------------------------------------------


def test_an_nfd_certificate_number_equal_to_an_nfc_one_is_refused(admin_api, world):
    import unicodedata

    nfc = "VG-ĐỒNG-01"
    response = admin_api.post(f"{API}/vietgap-certificates/", _certificate(number=nfc))
    assert response.status_code == 201, response.content
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    body = error(admin_api.post(f"{API}/vietgap-certificates/", _certificate(number=nfd)))
    assert "number" in body or "non_field_errors" in body, body


def test_certificate_numbers_are_stored_nfc(world):
    import unicodedata

    from tests.factories import CertificateFactory

    nfd = unicodedata.normalize("NFD", "VG-ĐỒNG-02")
    certificate = CertificateFactory.build(
        number=nfd, body=world.valid_certificate.body, cooperative=world.khoong, crop=world.longan
    )
    certificate.full_clean()
    assert certificate.number == unicodedata.normalize("NFC", nfd)


# --- Unknown parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("area-codes/", "markets"),
        ("area-codes/", "valid_at"),
        ("packing-houses/", "crop"),
        ("cooperatives/", "crop"),
        ("vietgap-certificates/", "market"),
        ("markets/", "q"),
        ("crops/", "x"),
        ("provinces/", "x"),
        ("communes/", "market"),
    ],
)
def test_an_unknown_parameter_is_refused_by_name(api, world, path, parameter):
    body = error(api.get(f"{API}/{path}", {parameter: "AU"}))
    assert parameter in body, body
    assert "Unknown parameter" in body[parameter][0]
    if path in ("markets/", "crops/", "provinces/", "communes/"):
        return  # no CSV download there (406)
    body = error(api.get(f"{API}/{path}", {parameter: "AU", "format": "csv"}))
    assert parameter in body, body


def test_the_parameters_the_api_reads_are_not_unknown(api, world):
    response = api.get(
        f"{API}/area-codes/",
        {"market": "AU", "limit": 5, "offset": 0, "ordering": "code", "format": "json"},
    )
    assert response.status_code == 200, response.content
    response = api.get(f"{API}/area-codes/", {"format": "csv", "lang": "vi", "market": "AU"})
    assert response.status_code == 200, response.content


# --- A CSV download that fails mid-way ---------------------------------------------------------


def test_a_csv_download_that_fails_mid_way_breaks_the_body(api, world, monkeypatch):
    from registry import exports

    original = exports.csv_response

    def failing(table, queryset, filename, lang=None):
        response = original(table, queryset, filename, lang)
        content = response.streaming_content

        def broken():
            yield next(iter(content))
            raise RuntimeError("COPY failed")

        response.streaming_content = broken()
        return response

    monkeypatch.setattr(exports, "csv_response", failing)
    response = api.get(f"{API}/area-codes/", {"format": "csv"})
    assert response.status_code == 200
    with pytest.raises(RuntimeError):
        b"".join(response.streaming_content)


# --- Errors raised before any view -------------------------------------------------------------


def test_an_oversized_body_under_the_api_is_json(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = {"market": "AU", "codes": ["VN-SLOR-0001"] * 200}
    response = api.post(f"{API}/area-codes/check/", payload, format="json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_disallowed_host_under_the_api_is_json(world, settings):
    from django.test import Client

    settings.ALLOWED_HOSTS = ["registry.example"]
    client = Client(raise_request_exception=False)
    response = client.get(f"{API}/markets/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    response = client.get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400


# --- The schema tells the truth ----------------------------------------------------------------


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_declares_nullable_fields(schema):
    components = schema["components"]["schemas"]

    def nullable(component, field):
        prop = components[component]["properties"][field]
        return (
            prop.get("nullable")
            or any(
                "nullable" in part or part.get("type") == "null" for part in prop.get("allOf", [])
            )
            or prop.get("oneOf")
        )

    assert nullable("AreaCode", "certificate")
    assert nullable("PackingHouse", "cooperative")
    assert nullable("StatusChange", "recorded_by")


def test_the_schema_documents_the_error_statuses(schema):
    list_get = schema["paths"]["/api/v1/area-codes/"]["get"]["responses"]
    assert {"200", "400", "406", "429"} <= set(list_get)
    detail_get = schema["paths"]["/api/v1/area-codes/{code}/"]["get"]["responses"]
    assert {"200", "404", "406"} <= set(detail_get)
    create = schema["paths"]["/api/v1/area-codes/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "415", "503"} <= set(create)
    history = schema["paths"]["/api/v1/cooperatives/{tax_code}/history/"]["get"]["responses"]
    assert {"200", "401", "403", "404"} <= set(history)
