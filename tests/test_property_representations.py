"""The hand-built JSON of codes (``registry/api/representations.py``) is exactly the declarative
serializers' output, on generated rows that reach every branch (issue 9 §4).

Hypothesis generates packing houses with and without a cooperative, area codes with and without
coordinates, with no VietGAP basis or one that is valid, expiring, expired, revoked (or to be
revoked later), in every status for several markets, with empty and non-empty optional text and
null or set households and yields. For each record, the representation, along both of its paths
(the joined detail query and a list page's ``complete()``), equals ``AreaCodeSerializer`` /
``PackingHouseSerializer`` on the model instance; so do the API's detail and list answers.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from registry.api import representations
from registry.api import serializers as s
from registry.models import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    ChangeSource,
    CodeKind,
    CodeStatus,
    Commune,
    Inspection,
    InspectionKind,
    InspectionResult,
    PackingHouse,
    PackingHouseMarket,
    PackingHouseStatusChange,
)
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    CertificationBodyFactory,
    CooperativeFactory,
    CropFactory,
    MarketFactory,
    PackingHouseFactory,
    commune,
)
from tests.property_support import one_example

pytestmark = pytest.mark.django_db

API = "/api/v1"
MARKETS = ("AU", "US", "CN")
CERTIFICATES = ("valid", "expiring", "expired", "revoked", "revoked later")

# Vietnamese letters (precomposed and not), digits, punctuation a cell might hold.
text = st.text(alphabet="aăâđeêoôơuưyAĐƠỨ ạảãấầẫệịọụỳ" + "e\u0301" + "0123-/,.'\"", max_size=12)
optional_text = st.just("") | text
required_text = text.filter(lambda value: value.strip() != "")


def decimals(digits: int, places: int, low: int, high: int):
    """Decimals with ``places`` places between ``low`` and ``high``."""
    scale = 10**places
    return st.integers(min_value=low * scale, max_value=high * scale).map(
        lambda n: Decimal(n).scaleb(-places)
    )


statuses = st.dictionaries(
    st.sampled_from(MARKETS),
    st.tuples(
        st.sampled_from(list(CodeStatus.values)),
        st.integers(min_value=-800, max_value=0),  # since, days from today
        optional_text,  # reason
    ),
    max_size=3,
)

area_codes = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(list(CodeKind.values)),
        "crop": st.sampled_from(("longan", "mango")),
        "variety": optional_text,
        "cooperative": st.sampled_from((0, 1)),
        "certificate": st.none() | st.sampled_from(CERTIFICATES),
        "area_ha": decimals(10, 2, 0, 9999).filter(lambda d: d > 0),
        "households": st.none() | st.integers(min_value=0, max_value=100_000),
        "average_yield_tonnes": st.none() | decimals(12, 2, 0, 99_999),
        "commune": st.sampled_from(("04204", "04183", "hanoi")),
        "legacy_location": optional_text,
        "coordinates": st.none() | st.tuples(decimals(9, 6, -90, 90), decimals(9, 6, -180, 180)),
        "issued_on": st.integers(min_value=-2000, max_value=0),
        "notes": optional_text,
        "statuses": statuses,
        # (days from today, kind, result): up to 7, beyond the 5 a detail lists; past 400 days
        # to reach every supervision state (due, overdue), same-day ties included
        "inspections": st.lists(
            st.tuples(
                st.integers(min_value=-800, max_value=0),
                st.sampled_from(list(InspectionKind.values)),
                st.sampled_from(list(InspectionResult.values)),
            ),
            max_size=7,
        ),
    }
)

packing_houses = st.fixed_dictionaries(
    {
        "name": required_text,
        "operator": optional_text,
        "address": optional_text,
        "cooperative": st.none() | st.sampled_from((0, 1)),
        "commune": st.sampled_from(("04204", "04183", "hanoi")),
        "legacy_location": optional_text,
        "issued_on": st.integers(min_value=-2000, max_value=0),
        "statuses": statuses,
    }
)


def certificate(kind: str, shared, cooperative, crop):
    today = timezone.localdate()
    dates = {
        "valid": (today - timedelta(days=180), today + timedelta(days=540), None),
        "expiring": (today - timedelta(days=700), today + timedelta(days=10), None),
        "expired": (today - timedelta(days=800), today - timedelta(days=70), None),
        "revoked": (today - timedelta(days=180), today + timedelta(days=540), today),
        "revoked later": (
            today - timedelta(days=180),
            today + timedelta(days=540),
            today + timedelta(days=30),
        ),
    }
    issued, expires, revoked = dates[kind]
    return CertificateFactory(
        body=shared["body"],
        cooperative=cooperative,
        crop=crop,
        issued_on=issued,
        expires_on=expires,
        revoked_on=revoked,
        revocation_reason="Audit failed" if revoked else "",
    )


def write_statuses(subject, wanted, shared, current_model, history_model) -> None:
    today = timezone.localdate()
    for market, (status, since, reason) in wanted.items():
        on = today + timedelta(days=since)
        history_model.objects.create(
            subject=subject,
            market=shared["markets"][market],
            from_status="",
            to_status=status,
            effective_on=on,
            reason=reason or "generated",
            source=ChangeSource.OTHER,
        )
        current_model.objects.create(
            subject=subject,
            market=shared["markets"][market],
            status=status,
            since=on,
            reason=reason,
        )


def write_area_code(number: int, row: dict, shared) -> AreaCode:
    crop = shared["crops"][row["crop"]]
    cooperative = shared["cooperatives"][row["cooperative"]]
    latitude, longitude = row["coordinates"] or (None, None)
    code = AreaCodeFactory(
        code=f"VN-SLOR-{number:04d}",
        kind=row["kind"],
        crop=crop,
        variety=row["variety"],
        cooperative=cooperative,
        certificate=(
            certificate(row["certificate"], shared, cooperative, crop)
            if row["certificate"]
            else None
        ),
        area_ha=row["area_ha"],
        households=row["households"],
        average_yield_tonnes=row["average_yield_tonnes"],
        commune=shared["communes"][row["commune"]],
        legacy_location=row["legacy_location"],
        latitude=latitude,
        longitude=longitude,
        issued_on=timezone.localdate() + timedelta(days=row["issued_on"]),
        notes=row["notes"],
    )
    write_statuses(code, row["statuses"], shared, AreaCodeMarket, AreaCodeStatusChange)
    for days, kind, result in row["inspections"]:
        Inspection.objects.create(
            area_code=code,
            inspected_on=timezone.localdate() + timedelta(days=days),
            inspecting_body="Chi cục",
            kind=kind,
            result=result,
        )
    return code


def write_packing_house(number: int, row: dict, shared) -> PackingHouse:
    cooperative = row["cooperative"]
    house = PackingHouseFactory(
        code=f"VN-SLPH-{number:04d}",
        name=row["name"],
        operator=row["operator"],
        address=row["address"],
        cooperative=None if cooperative is None else shared["cooperatives"][cooperative],
        commune=shared["communes"][row["commune"]],
        legacy_location=row["legacy_location"],
        issued_on=timezone.localdate() + timedelta(days=row["issued_on"]),
    )
    write_statuses(house, row["statuses"], shared, PackingHouseMarket, PackingHouseStatusChange)
    return house


RESOURCES = (
    (AreaCode, representations.AreaCodes, s.AreaCodeSerializer, "area-codes"),
    (PackingHouse, representations.PackingHouses, s.PackingHouseSerializer, "packing-houses"),
)


def assert_same_everywhere(api) -> None:
    for model, representation, serializer, resource in RESOURCES:
        declared_all = []
        for obj in model.objects.order_by("code"):
            declared = serializer(obj).data
            declared_all.append(declared)
            joined = model.objects.filter(pk=obj.pk).values(
                *representation.fields, *representation.joined
            )
            assert representation.render(list(joined)) == [declared], obj
            plain = list(model.objects.filter(pk=obj.pk).values(*representation.fields))
            assert representation.render(representation.complete(plain)) == [declared], obj

            detail = api.get(f"{API}/{resource}/{obj.code}/")
            assert detail.status_code == 200, detail.content
            assert detail.json() == declared, obj

        # A list page renders all its rows together (one query per relation, not per row).
        plain = list(model.objects.order_by("code").values(*representation.fields))
        assert representation.render(representation.complete(plain)) == declared_all
        page = api.get(f"{API}/{resource}/", {"limit": 1000})
        assert page.status_code == 200, page.content
        assert page.json()["results"] == declared_all


def every_branch():
    """One registry reaching every branch at once, always tried first."""
    code = {
        "kind": "export",
        "crop": "longan",
        "variety": "",
        "cooperative": 0,
        "certificate": None,
        "area_ha": Decimal("12.50"),
        "households": None,
        "average_yield_tonnes": None,
        "commune": "04204",
        "legacy_location": "",
        "coordinates": None,
        "issued_on": -30,
        "notes": "",
        "statuses": {},
        "inspections": [],
    }
    codes = [
        code,
        {
            **code,
            "kind": "domestic",
            "crop": "mango",
            "variety": "Cát Hòa Lộc",
            "cooperative": 1,
            "certificate": "valid",
            "households": 0,
            "average_yield_tonnes": Decimal("0.00"),
            "commune": "hanoi",
            "legacy_location": "Xã Cũ, huyện Cũ",
            "coordinates": (Decimal("21.027763"), Decimal("-105.834160")),
            "statuses": {
                "AU": ("active", -10, ""),
                "US": ("suspended", -5, "GACC notice 17"),
                "CN": ("revoked", 0, "Holder gave up the area"),
            },
            # six, one of them a same-day tie: the detail lists the latest five
            "inspections": [
                (-30 * n, kind, result)
                for n, (kind, result) in enumerate(
                    zip(InspectionKind.values, [*InspectionResult.values] * 2, strict=False)
                )
            ]
            + [(0, "video", "compliant")],
        },
        {**code, "inspections": [(-350, "periodic", "compliant")]},  # due
        {**code, "inspections": [(-400, "follow_up", "non_compliant")]},  # overdue
        *(
            {**code, "certificate": kind, "households": 12, "statuses": {"AU": ("active", 0, "")}}
            for kind in CERTIFICATES[1:]
        ),
    ]
    house = {
        "name": "Cơ sở đóng gói Sông Mã",
        "operator": "",
        "address": "",
        "cooperative": None,
        "commune": "04183",
        "legacy_location": "",
        "issued_on": -100,
        "statuses": {},
    }
    houses = [
        house,
        {
            **house,
            "operator": "Công ty Thử",
            "address": "Bản Cát",
            "cooperative": 0,
            "legacy_location": "Huyện Sông Mã",
            "statuses": {"CN": ("active", -50, "registered"), "AU": ("suspended", -1, "")},
        },
    ]
    return codes, houses


def test_representations_equal_the_serializers_on_generated_rows(db):
    hanoi = Commune.objects.filter(province_id="01").order_by("code").first()
    shared = {
        "markets": {code: MarketFactory(code=code) for code in MARKETS},
        "crops": {
            "longan": CropFactory(slug="longan"),
            "mango": CropFactory(slug="mango", name_vi="Xoài", name_en="Mango", scientific_name=""),
        },
        "cooperatives": [CooperativeFactory(), CooperativeFactory(name="HTX Đoàn Kết")],
        "communes": {"04204": commune("04204"), "04183": commune("04183"), "hanoi": hanoi},
        "body": CertificationBodyFactory(),
    }
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    @settings(max_examples=30, deadline=None, database=None)
    @given(
        st.lists(area_codes, min_size=0, max_size=3),
        st.lists(packing_houses, min_size=0, max_size=2),
    )
    @example(*every_branch())
    def check(codes, houses):
        with one_example():
            for number, row in enumerate(codes, start=1):
                write_area_code(number, row, shared)
            for number, row in enumerate(houses, start=1):
                write_packing_house(number, row, shared)
            assert_same_everywhere(api)

    check()
