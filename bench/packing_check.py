#!/usr/bin/env python
"""The bulk check with a packing house (issue 12): 1,000 codes for one market on one date, and
for each whether one packing house may pack it (its links read in one query). Prints the median
wall-clock ms of the POST through Django's test client (the whole stack but the socket), with the
request's own CPU time and SQL time beside it (on a busy machine the wall clock also holds other
processes' turns), and its SQL queries, against the targets (< 100 ms, at most 5 queries). Not a
test.

bench/run.py runs it; alone, on a seeded database (see bench/admin_list.py)::

    .venv/bin/python bench/packing_check.py --database vt_bench --seed 100000
    .venv/bin/python bench/packing_check.py --database vt_bench
"""

import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 100
TARGET_QUERIES = 5
HOUSE = "VN-SLPH-9001"
ON = "2026-11-25"


def prepare(codes: list[str]) -> None:
    """A packing house active for AU, linked to nine in ten of ``codes`` for AU (one link in
    ten already ended): the shapes the check explains. Idempotent."""
    from registry.models import (
        AreaCode,
        ChangeSource,
        CodeStatus,
        Commune,
        Market,
        PackingHouse,
        PackingHouseSource,
    )
    from registry.rules import status_changes

    au = Market.objects.get(code="AU")
    house, created = PackingHouse.objects.get_or_create(
        code=HOUSE,
        defaults={
            "name": "Cơ sở đóng gói benchmark",
            "commune": Commune.objects.order_by("code").first(),
            "issued_on": date(2024, 1, 1),
        },
    )
    if created:
        status_changes.change_status(
            house,
            CodeStatus.ACTIVE,
            markets=[au],
            effective_on=date(2024, 1, 1),
            reason="benchmark",
            source=ChangeSource.REGISTRATION,
        )
    PackingHouseSource.objects.filter(packing_house=house).delete()
    found = AreaCode.objects.filter(code__in=codes).order_by("code").values_list("pk", flat=True)
    PackingHouseSource.objects.bulk_create(
        PackingHouseSource(
            packing_house=house,
            area_code_id=pk,
            market=au,
            valid_from=date(2024, 1, 1),
            valid_until=date(2025, 12, 31) if index % 10 == 1 else None,
        )
        for index, pk in enumerate(found)
        if index % 10
    )


def measure(repeat: int, codes: list[str]) -> dict:
    import gc

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    prepare(codes)
    # As the production server does after loading the app (config/gunicorn.py): otherwise the
    # collector walks the whole of Django's heap during the request, which no worker does.
    gc.collect()
    gc.freeze()
    client = Client()
    body = {"market": "AU", "date": ON, "packing_house": HOUSE, "codes": codes}
    times, cpu, sql, queries, allowed = [], [], [], 0, 0
    for _ in range(max(repeat, 5)):
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.thread_time()
            response = client.post(
                "/api/v1/area-codes/check/", body, content_type="application/json"
            )
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.content[:200]
        queries = len(captured)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        allowed = sum(r["packing"]["allowed"] for r in response.json()["results"])
    return {
        "ms": statistics.median(times),
        "cpu_ms": statistics.median(cpu),
        "sql_ms": statistics.median(sql),
        "queries": queries,
        "codes": len(codes),
        "allowed": allowed,
    }


def report(result: dict) -> list[list[str]]:
    return [
        [
            f"Bulk check with a packing house, {result['codes']} codes (ms)",
            f"{result['ms']:.1f}",
            f"CPU {result['cpu_ms']:.0f}, SQL {result['sql_ms']:.0f}; "
            f"{result['allowed']} may be packed",
            "",
            f"< {TARGET_MS}",
            "PASS" if result["ms"] < TARGET_MS else "FAIL",
        ],
        [
            "Bulk check with a packing house (SQL queries)",
            str(result["queries"]),
            "",
            "",
            f"<= {TARGET_QUERIES}",
            "PASS" if result["queries"] <= TARGET_QUERIES else "FAIL",
        ],
    ]


def main(argv=None) -> int:
    from bench.run import print_table, standalone

    args = standalone(__doc__, argv, 20, "checks to time", API_ANON_RATE="1000000000/minute")
    from registry.models import AreaCode

    codes = list(AreaCode.objects.order_by("?").values_list("code", flat=True)[:1000])
    print(f"Bulk check with a packing house: {AreaCode.objects.count():,} codes in the registry")
    print_table(
        [["scenario", "registry", "", "", "target", "result"], *report(measure(args.repeat, codes))]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
