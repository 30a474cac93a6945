"""Validity ("valid for market M on day D") checked against an independent oracle (issue 9 §6).

Hypothesis generates small registries: codes with or without a VietGAP basis (issued, expiry
and revocation dates around the query day: revoked before, on or after it, not yet issued,
expiring that very day), status histories over several markets (registration, suspension,
reinstatement, revocation; several entries on one day, whose order is then their id), and a
query (no market, one or two markets; a day). History rows are written directly, as back-dated entries in any order,
so states ``change_status`` would refuse are reached too; each current-status row is the
newest history entry, as the registry keeps it.

The expected answer is computed in plain Python from the generated rows (``oracle_valid``),
not from ``registry.rules``, and compared with both the API list filter
(``GET /api/v1/<codes>/?market=..&valid_on=..``) and the bulk check
(``POST /api/v1/area-codes/check/``), through the HTTP stack.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from registry.models import (
    AreaCodeMarket,
    AreaCodeStatusChange,
    ChangeSource,
    CodeStatus,
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
)
from tests.property_support import one_example

pytestmark = pytest.mark.django_db

API = "/api/v1"
BASE = date(2025, 6, 15)
MARKETS = ("AU", "US", "CN")
STATUSES = (CodeStatus.ACTIVE, CodeStatus.SUSPENDED, CodeStatus.REVOKED)


def day(offset: int) -> date:
    return BASE + timedelta(days=offset)


# --- What is generated ------------------------------------------------------------------------


@dataclass
class Certificate:
    issued: int  # day offsets from BASE
    expires: int
    revoked: int | None


@dataclass
class Entry:
    market: str
    to_status: str
    effective: int
    id: int = 0  # the history row's id, once written


@dataclass
class Code:
    kind: str  # "area_code" or "packing_house"
    code: str
    certificate: Certificate | None
    history: list[Entry] = field(default_factory=list)


@st.composite
def certificates(draw, query: int):
    """A VietGAP basis whose dates fall around the query day (offset ``query``): issued
    before, on or after it, expiring before, on or after it, revoked before, on or after it
    or never."""
    issued = query + draw(st.integers(min_value=-4, max_value=2))
    expires = max(issued + 1, query + draw(st.integers(min_value=-2, max_value=3)))
    revoked = draw(st.none() | st.integers(min_value=-2, max_value=2))
    return Certificate(issued, expires, None if revoked is None else max(issued, query + revoked))


def entries(query: int, earliest: int, latest: int, statuses=STATUSES):
    return st.builds(
        Entry,
        market=st.sampled_from(MARKETS),
        to_status=st.sampled_from(statuses),
        effective=st.integers(min_value=query + earliest, max_value=query + latest),
    )


@st.composite
def histories(draw, query: int, most: int):
    """A registration (active, mostly some days before the query day), then changes on a
    few days around it: several fall on one day, where the one written last decides."""
    registered = draw(st.sampled_from((True, True, True, False)))
    registration = draw(entries(query, -4, 1, statuses=(CodeStatus.ACTIVE,)))
    changes = draw(st.lists(entries(query, -2, 1), max_size=most))
    return [registration, *changes] if registered else changes


@st.composite
def registries(draw):
    """(codes, queried markets, query day offset)."""
    query = draw(st.integers(min_value=-3, max_value=3))
    codes = []
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        codes.append(
            Code(
                "area_code",
                f"VN-SLOR-{i + 1:04d}",
                draw(st.none() | certificates(query)),
                draw(histories(query, 4)),
            )
        )
    for i in range(draw(st.integers(min_value=0, max_value=2))):
        codes.append(Code("packing_house", f"VN-SLPH-{i + 1:04d}", None, draw(histories(query, 3))))
    # No market: the list filter then means "valid for any market".
    markets = draw(
        st.lists(st.sampled_from(MARKETS), min_size=0, max_size=2, unique=True).map(sorted)
    )
    return codes, markets, query


def registered(certificate: Certificate | None, *later: tuple[str, int]):
    """One area code registered for AU three days before the query day (offset 0), with
    ``certificate`` and then the ``later`` (status, offset) entries for AU."""
    history = [Entry("AU", CodeStatus.ACTIVE, -3)]
    history += [Entry("AU", status, offset) for status, offset in later]
    return ([Code("area_code", "VN-SLOR-0001", certificate, history)], ["AU"], 0)


# Every boundary, always tried (Hypothesis adds its own cases to these).
BOUNDARIES = [
    registered(None),
    registered(Certificate(-10, 10, None)),  # in force
    registered(Certificate(-10, 10, -1)),  # revoked the day before
    registered(Certificate(-10, 10, 0)),  # revoked on the day
    registered(Certificate(-10, 10, 1)),  # revoked the day after
    registered(Certificate(1, 10, None)),  # not yet issued
    registered(Certificate(0, 10, None)),  # issued on the day
    registered(Certificate(-10, 0, None)),  # expires on the day
    registered(Certificate(-10, -1, None)),  # expired the day before
    registered(None, (CodeStatus.SUSPENDED, 0)),  # suspended on the day
    registered(None, (CodeStatus.SUSPENDED, 1)),  # suspended the day after
    # Three entries on one day: the last written (highest id) decides, whatever its status.
    registered(None, (CodeStatus.SUSPENDED, -1), (CodeStatus.ACTIVE, -1)),
    registered(None, (CodeStatus.ACTIVE, -1), (CodeStatus.SUSPENDED, -1)),
    registered(None, (CodeStatus.REVOKED, -1), (CodeStatus.ACTIVE, -1)),
    # A back-dated entry written later but effective earlier does not decide.
    registered(None, (CodeStatus.SUSPENDED, -1), (CodeStatus.ACTIVE, -2)),
]


# --- The oracle --------------------------------------------------------------------------------


def newest_entry(code: Code, market: str, on: date) -> Entry | None:
    """The newest history entry for ``market`` effective on or before ``on`` (ties: by id)."""
    seen = [e for e in code.history if e.market == market and day(e.effective) <= on]
    if not seen:
        return None
    return max(seen, key=lambda e: (e.effective, e.id))


def basis_holds(certificate: Certificate | None, on: date) -> bool:
    if certificate is None:
        return True
    return day(certificate.issued) <= on <= day(certificate.expires) and (
        certificate.revoked is None or day(certificate.revoked) > on
    )


def oracle_valid(code: Code, market: str, on: date) -> bool:
    entry = newest_entry(code, market, on)
    return (
        entry is not None
        and entry.to_status == CodeStatus.ACTIVE
        and basis_holds(code.certificate, on)
    )


# --- Writing the rows ---------------------------------------------------------------------------


def write(code: Code, shared) -> None:
    if code.kind == "area_code":
        certificate = None
        if code.certificate is not None:
            c = code.certificate
            certificate = CertificateFactory(
                body=shared["body"],
                cooperative=shared["cooperative"],
                crop=shared["crop"],
                issued_on=day(c.issued),
                expires_on=day(c.expires),
                revoked_on=None if c.revoked is None else day(c.revoked),
                revocation_reason="" if c.revoked is None else "Audit failed",
            )
        subject = AreaCodeFactory(
            code=code.code,
            crop=shared["crop"],
            cooperative=shared["cooperative"],
            certificate=certificate,
        )
        history_model, current_model = AreaCodeStatusChange, AreaCodeMarket
    else:
        subject = PackingHouseFactory(code=code.code)
        history_model, current_model = PackingHouseStatusChange, PackingHouseMarket
    for entry in code.history:  # in the generated order: ids rise in that order
        row = history_model.objects.create(
            subject=subject,
            market=shared["markets"][entry.market],
            from_status="",
            to_status=entry.to_status,
            effective_on=day(entry.effective),
            reason="generated",
            source=ChangeSource.OTHER,
        )
        entry.id = row.id
    for market in {e.market for e in code.history}:
        newest = max(
            (e for e in code.history if e.market == market), key=lambda e: (e.effective, e.id)
        )
        current_model.objects.create(
            subject=subject,
            market=shared["markets"][market],
            status=newest.to_status,
            since=day(newest.effective),
            reason="generated",
        )


def listed(api, resource: str, markets: list[str], on: date) -> set[str]:
    params = {"valid_on": on.isoformat(), "limit": 1000}
    if markets:
        params["market"] = ",".join(markets)
    response = api.get(f"{API}/{resource}/", params)
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def boundary_examples(test):
    for registry in reversed(BOUNDARIES):
        test = example(registry)(test)
    return test


def test_list_and_check_agree_with_an_independent_oracle(db):
    shared = {
        "markets": {code: MarketFactory(code=code) for code in MARKETS},
        "crop": CropFactory(),
        "cooperative": CooperativeFactory(),
        "body": CertificationBodyFactory(),
    }
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    @settings(max_examples=40, deadline=None, database=None)
    @given(registries())
    @boundary_examples
    def check(registry):
        codes, markets, offset = registry
        on = day(offset)
        with one_example():
            for code in codes:
                write(code, shared)

            wanted = markets or MARKETS
            expected = {c.code for c in codes if any(oracle_valid(c, m, on) for m in wanted)}
            got = listed(api, "area-codes", markets, on) | listed(
                api, "packing-houses", markets, on
            )
            assert got == expected, f"list, markets={markets}, day={on}"

            for market in markets:
                response = api.post(
                    f"{API}/area-codes/check/",
                    {"market": market, "date": on.isoformat(), "codes": [c.code for c in codes]},
                    format="json",
                )
                assert response.status_code == 200, response.content
                results = response.json()["results"]
                assert [r["code"] for r in results] == [c.code for c in codes]
                for code, result in zip(codes, results, strict=True):
                    valid = oracle_valid(code, market, on)
                    newest = newest_entry(code, market, on)
                    assert result["exists"] and result["kind"] == code.kind, result
                    assert result["valid"] is valid, (code, market, on, result)
                    assert result["status"] == (newest and newest.to_status), result
                    assert result["status_since"] == (
                        newest and day(newest.effective).isoformat()
                    ), result
                    assert (result["reason"] == "") is valid, result

    check()
