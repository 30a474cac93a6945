"""Seed a benchmark database with N growing-area codes, fast, through PostgreSQL COPY.

Shape (deterministic for a given N): N/50 cooperatives over about 200 communes of several
provinces, one VietGAP certificate per cooperative (some expired), 8 markets, 1 to 3 markets
per code (China most often), 90% active, 6% suspended, 4% revoked, with their history, a
boundary each (bench/boundaries.py), and N/57 packing houses with one code in three linked to
one of them for a market (the public code page and its validator read those links).
Names and numbers are fictitious.
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from registry import sample_data
from registry.models import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    CertificationBody,
    Commune,
    Cooperative,
    Crop,
    Market,
    VietGAPCertificate,
)
from registry.rules.tax_codes import valid_tax_codes
from registry.text import fold

MARKET_WEIGHTS = {"CN": 60, "AU": 25, "US": 20, "NZ": 5, "JP": 5, "KR": 5, "EU": 3}
CROP_WEIGHTS = {
    "longan": 40,
    "mango": 20,
    "pomelo": 8,
    "orange": 6,
    "plum": 6,
    "pineapple": 6,
    "banana": 5,
    "passion-fruit": 4,
    "dragon-fruit": 4,
    "macadamia": 1,
}
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def copy(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in ``columns`` order) into the model's table."""
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
                count += 1
    return count


def reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def seed(n_codes: int, seed_value: int = 2026) -> dict:
    rng = random.Random(seed_value)
    sample_data._crops(sample_data.Summary({}))
    markets = sample_data._markets(sample_data.Summary({}))
    bodies = sample_data._bodies(sample_data.Summary({}))
    crops = {c.slug: c for c in Crop.objects.all()}
    communes = list(
        Commune.objects.filter(province_id__in=["14", "11", "15", "08", "19", "20"])
        .select_related("province")
        .order_by("code")
    )[::2][:200]

    n_coops = max(10, n_codes // 50)
    coop_rows, coop_communes = [], []
    tax_codes = valid_tax_codes(office="59")  # fictitious, with python-stdnum's check digit
    for i in range(1, n_coops + 1):
        commune = communes[i % len(communes)]
        name = f"HTX Nông nghiệp Thử {i} (hư cấu)"
        tax_code = next(tax_codes)
        coop_rows.append(
            (
                i,
                tax_code,
                name,
                "",
                commune.code,
                "",
                "",
                "",
                "",
                rng.randint(5, 200),
                None,
                "active",
                fold(f"{tax_code} {name} {commune.name} {commune.province.name}"),
                NOW,
                NOW,
            )
        )
        coop_communes.append(commune)
    copy(
        Cooperative,
        [
            "id",
            "tax_code",
            "name",
            "address",
            "commune_id",
            "legacy_location",
            "representative",
            "phone",
            "email",
            "member_households",
            "established_on",
            "status",
            "search_text",
            "created_at",
            "updated_at",
        ],
        coop_rows,
    )
    reset_sequence(Cooperative)

    today = date(2026, 11, 25)
    cert_rows, cert_ids = [], {}
    for i in range(1, n_coops + 1):
        issued = today - timedelta(days=rng.randint(30, 900))
        expires = issued + timedelta(days=730)
        crop = crops[rng.choice(list(CROP_WEIGHTS))]
        number = f"VietGAP-BENCH-{i:07d}"
        cert_rows.append(
            (
                i,
                number,
                bodies[i % 2].pk,
                i,
                crop.pk,
                Decimal("20.00"),
                None,
                coop_communes[i - 1].code,
                "",
                issued,
                expires,
                None,
                "",
                None,
                fold(number),
                NOW,
                NOW,
            )
        )
        cert_ids[i] = i
    copy(
        VietGAPCertificate,
        [
            "id",
            "number",
            "body_id",
            "cooperative_id",
            "crop_id",
            "area_ha",
            "expected_yield_tonnes",
            "commune_id",
            "legacy_location",
            "issued_on",
            "expires_on",
            "revoked_on",
            "revocation_reason",
            "expiry_recorded_at",
            "search_text",
            "created_at",
            "updated_at",
        ],
        cert_rows,
    )
    reset_sequence(VietGAPCertificate)

    crop_ids = list(CROP_WEIGHTS)
    crop_weights = list(CROP_WEIGHTS.values())
    market_codes = list(MARKET_WEIGHTS)
    market_weights = list(MARKET_WEIGHTS.values())
    letters = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    statuses, history = [], []
    code_rows = []
    for i in range(1, n_codes + 1):
        code = f"VN-{letters[(i - 1) // 9999 % len(letters)]}OR-{(i - 1) % 9999 + 1:04d}"
        coop = rng.randint(1, n_coops)
        commune = coop_communes[coop - 1]
        crop = crops[rng.choices(crop_ids, crop_weights)[0]]
        issued = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
        code_rows.append(
            (
                i,
                code,
                "export",
                crop.pk,
                "",
                coop,
                cert_ids[coop] if rng.random() < 0.7 else None,
                Decimal(rng.randint(50, 900)) / 10,
                rng.randint(3, 80),
                None,
                commune.code,
                "",
                None,
                None,
                issued,
                "",
                fold(
                    f"{code} HTX Nông nghiệp Thử {coop} {commune.name} {commune.province.name} "
                    f"{crop.name_vi} {crop.name_en}"
                ),
                NOW,
                NOW,
            )
        )
        chosen = {rng.choices(market_codes, market_weights)[0] for _ in range(rng.randint(1, 3))}
        for market_code in sorted(chosen):
            roll = rng.random()
            status = "active" if roll < 0.90 else "suspended" if roll < 0.96 else "revoked"
            changed = issued + timedelta(days=rng.randint(30, 400))
            since = issued if status == "active" else min(changed, today)
            statuses.append((i, markets[market_code].pk, status, since, "", NOW))
            history.append(
                (
                    i,
                    markets[market_code].pk,
                    "",
                    "active",
                    issued,
                    "Cấp mã",
                    "registration",
                    "",
                    NOW,
                )
            )
            if status != "active":
                history.append(
                    (
                        i,
                        markets[market_code].pk,
                        "active",
                        status,
                        since,
                        "Thông báo (hư cấu)",
                        "importing_country_notice",
                        "",
                        NOW,
                    )
                )
    copy(
        AreaCode,
        [
            "id",
            "code",
            "kind",
            "crop_id",
            "variety",
            "cooperative_id",
            "certificate_id",
            "area_ha",
            "households",
            "average_yield_tonnes",
            "commune_id",
            "legacy_location",
            "latitude",
            "longitude",
            "issued_on",
            "notes",
            "search_text",
            "created_at",
            "updated_at",
        ],
        code_rows,
    )
    reset_sequence(AreaCode)
    copy(
        AreaCodeMarket,
        ["subject_id", "market_id", "status", "since", "reason", "updated_at"],
        statuses,
    )
    copy(
        AreaCodeStatusChange,
        [
            "subject_id",
            "market_id",
            "from_status",
            "to_status",
            "effective_on",
            "reason",
            "source",
            "reference",
            "recorded_at",
        ],
        history,
    )
    houses, links = _packing_links(rng, n_codes, coop_communes, statuses)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as a settled database would be
    assert Market.objects.count() == 8 and CertificationBody.objects.exists()
    from bench.boundaries import seed_boundaries  # every code gets a boundary (issue 14)

    return {
        "codes": n_codes,
        "cooperatives": n_coops,
        "market_statuses": len(statuses),
        "status_changes": len(history),
        "packing_houses": houses,
        "packing_links": links,
        "boundaries": seed_boundaries(),
    }


def _packing_links(rng, n_codes, communes, statuses) -> tuple[int, int]:
    """N/57 packing houses, each registered for China, and one active code-market pair in
    three linked to a house since the code's registration for that market."""
    from registry.models import PackingHouse, PackingHouseMarket, PackingHouseSource

    china = Market.objects.get(code="CN")
    n_houses = max(2, n_codes // 57)
    houses = PackingHouse.objects.bulk_create(
        PackingHouse(
            code=f"VN-BHPH-{i:05d}",
            name=f"Cơ sở đóng gói Thử {i} (hư cấu)",
            commune_id=communes[i % len(communes)].code,
            issued_on=date(2020, 1, 1),
            search_text=fold(f"VN-BHPH-{i:05d} Cơ sở đóng gói Thử {i}"),
        )
        for i in range(1, n_houses + 1)
    )
    PackingHouseMarket.objects.bulk_create(
        PackingHouseMarket(subject=house, market=china, status="active", since=date(2020, 1, 1))
        for house in houses
    )
    links = [
        PackingHouseSource(
            packing_house=houses[rng.randrange(n_houses)],
            area_code_id=code_id,
            market_id=market_id,
            valid_from=since,
        )
        for index, (code_id, market_id, status, since, _reason, _at) in enumerate(statuses)
        if status == "active" and index % 3 == 0
    ]
    PackingHouseSource.objects.bulk_create(links, batch_size=5000)
    return n_houses, len(links)
