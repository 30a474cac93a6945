"""A code whose VietGAP basis is revoked, or not yet issued, is not valid: the list with
``valid_on`` + ``market``, the detail, the bulk check and the CSV download all say so."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import CodeStatus
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    set_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
TODAY = timezone.localdate()  # the registry's today (Asia/Ho_Chi_Minh)
REVOKED_ON = TODAY - timedelta(days=30)
ISSUED_LATER = date(2025, 6, 1)  # the basis of LATE: issued after its code became active
IN_FUTURE = TODAY + timedelta(days=30)


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def codes(db):
    """Four codes active for AU since 2024-02-01, each on its own certificate:
    CONTROL (in force), REVOKED (revoked 30 days ago), LATE (issued 2025-06-01) and
    FUTURE (issued 30 days from now)."""
    au = MarketFactory(code="AU")
    crop, cooperative = CropFactory(), CooperativeFactory()

    def code(name, **certificate):
        certificate = CertificateFactory(cooperative=cooperative, crop=crop, **certificate)
        subject = AreaCodeFactory(
            code=name, cooperative=cooperative, crop=crop, certificate=certificate
        )
        set_status(subject, CodeStatus.ACTIVE, au, on=date(2024, 2, 1))
        return subject

    year_ago = TODAY - timedelta(days=365)
    return {
        "control": code("VN-SLOR-0101", issued_on=year_ago, expires_on=TODAY + timedelta(300)),
        "revoked": code(
            "VN-SLOR-0102",
            issued_on=year_ago,
            expires_on=TODAY + timedelta(days=300),
            revoked_on=REVOKED_ON,
            revocation_reason="Audit found pesticide residue",
        ),
        "late": code(
            "VN-SLOR-0103", issued_on=ISSUED_LATER, expires_on=ISSUED_LATER + timedelta(700)
        ),
        "future": code("VN-SLOR-0104", issued_on=IN_FUTURE, expires_on=IN_FUTURE + timedelta(700)),
    }


def listed(api, day: date, download: bool = False) -> set[str]:
    params = {"valid_on": day.isoformat(), "market": "AU"}
    if download:
        params["format"] = "csv"
        response = api.get(f"{API}/area-codes/", params)
        assert response.status_code == 200
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        return {row["code"] for row in csv.DictReader(io.StringIO(content))}
    response = api.get(f"{API}/area-codes/", params)
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def checked(api, day: date) -> dict[str, dict]:
    response = api.post(
        f"{API}/area-codes/check/",
        {
            "market": "AU",
            "date": day.isoformat(),
            "codes": ["VN-SLOR-0101", "VN-SLOR-0102", "VN-SLOR-0103", "VN-SLOR-0104"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


@pytest.mark.parametrize("download", [False, True], ids=["list", "csv"])
def test_list_and_csv_exclude_a_revoked_basis_from_its_revocation_day(api, codes, download):
    assert listed(api, REVOKED_ON - timedelta(days=1), download) >= {"VN-SLOR-0102"}
    on_the_day = listed(api, REVOKED_ON, download)
    assert "VN-SLOR-0102" not in on_the_day
    assert "VN-SLOR-0101" in on_the_day
    assert "VN-SLOR-0102" not in listed(api, TODAY, download)


@pytest.mark.parametrize("download", [False, True], ids=["list", "csv"])
def test_list_and_csv_exclude_a_basis_not_yet_issued(api, codes, download):
    assert "VN-SLOR-0103" not in listed(api, ISSUED_LATER - timedelta(days=1), download)
    assert "VN-SLOR-0101" not in listed(api, ISSUED_LATER - timedelta(days=1), download)
    assert "VN-SLOR-0103" in listed(api, ISSUED_LATER, download)
    today = listed(api, TODAY, download)
    assert "VN-SLOR-0104" not in today
    assert {"VN-SLOR-0101", "VN-SLOR-0103"} <= today


def test_bulk_check_says_a_revoked_basis_is_not_valid(api, codes):
    before = checked(api, REVOKED_ON - timedelta(days=1))["VN-SLOR-0102"]
    assert before["valid"] is True
    result = checked(api, REVOKED_ON)["VN-SLOR-0102"]
    assert result["valid"] is False
    assert result["status"] == "active"  # the status stands; its basis does not
    assert "revoked" in result["reason"]
    assert "Audit found pesticide residue" in result["reason"]


def test_bulk_check_says_a_basis_not_yet_issued_is_not_valid(api, codes):
    results = checked(api, ISSUED_LATER - timedelta(days=1))
    assert results["VN-SLOR-0103"]["valid"] is False
    assert "only issued on 2025-06-01" in results["VN-SLOR-0103"]["reason"]
    assert checked(api, ISSUED_LATER)["VN-SLOR-0103"]["valid"] is True
    today = checked(api, TODAY)
    assert today["VN-SLOR-0104"]["valid"] is False
    assert f"only issued on {IN_FUTURE.isoformat()}" in today["VN-SLOR-0104"]["reason"]
    assert today["VN-SLOR-0101"]["valid"] is True


def detail(api, code: str) -> dict:
    response = api.get(f"{API}/area-codes/{code}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_detail_says_a_revoked_basis_is_revoked(api, codes):
    certificate = detail(api, "VN-SLOR-0102")["certificate"]
    assert certificate["validity"] == "revoked"
    assert certificate["revoked_on"] == REVOKED_ON.isoformat()
    assert detail(api, "VN-SLOR-0101")["certificate"]["validity"] == "valid"


def test_detail_says_a_basis_not_yet_issued_is_not_valid(api, codes):
    certificate = detail(api, "VN-SLOR-0104")["certificate"]
    assert certificate["issued_on"] == IN_FUTURE.isoformat()
    assert certificate["validity"] == "not_yet_valid"
