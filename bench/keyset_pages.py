#!/usr/bin/env python
"""Keyset paging at depth (issue 13, "Sync at any depth"): pages per second of
``/api/v1/area-codes/?market=AU&crop=longan`` at the first page and at the last, with
``?cursor=`` and, for comparison, with ``offset``. Each load is uncached (the answer cache is
emptied first: the first client after a write), through Django's test client (the whole stack
but the socket). Target: the cursor's last page within 1.5x the time of its first. Not a test.

    .venv/bin/python bench/keyset_pages.py --database vt_keyset_bench --seed 100000
    .venv/bin/python bench/keyset_pages.py --database vt_keyset_bench
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
URL = "/api/v1/area-codes/"
FILTERS = {"market": "AU", "crop": "longan"}
LIMIT = 50


def timed(client, url, params) -> tuple[float, dict]:
    from django.core.cache import caches

    caches["answers"].clear()
    start = time.perf_counter()
    response = client.get(url, params)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]
    return elapsed, response.json()


def last_page_cursor(client) -> tuple[str, int, int]:
    """The cursor of the last page (walked with the largest pages), the rows matched and the
    page size (smaller at a tiny scale, so that there are two pages)."""
    from registry.api import keyset
    from registry.models import AreaCode

    codes, params, url = [], {**FILTERS, "limit": 1000, "cursor": ""}, URL
    while url:
        body = client.get(url, params).json()
        codes += [row["code"] for row in body["results"]]
        url, params = body["next"], None
    limit = LIMIT if len(codes) > 2 * LIMIT else max(1, len(codes) // 2)
    keys = [keyset.SortKey("code", False, AreaCode._meta.get_field("code"))]
    return keyset.encode(keys, [codes[-limit - 1]]), len(codes), limit


def measure(repeat: int = 20) -> dict:
    from django.test import Client

    client = Client()
    cursor, rows, limit = last_page_cursor(client)
    scenarios = {
        "cursor, first page": {**FILTERS, "limit": limit, "cursor": ""},
        "cursor, last page": {**FILTERS, "limit": limit, "cursor": cursor},
        "offset, first page": {**FILTERS, "limit": limit, "offset": 0},
        "offset, last page": {**FILTERS, "limit": limit, "offset": rows - limit},
    }
    results = {"rows": rows}
    for name, params in scenarios.items():
        timed(client, URL, params)  # warm the connection and the reference tables
        times = [timed(client, URL, params) for _ in range(repeat)]
        last = times[-1][1]
        assert len(last["results"]) == limit, name
        if name.endswith("last page"):
            assert last["next"] is None and last["results"][-1]["code"], name
        median = statistics.median(t for t, _ in times)
        results[name] = {"median_ms": median * 1000, "pages_per_s": 1 / median}
    first, deep = results["cursor, first page"], results["cursor, last page"]
    results["cursor_ratio"] = deep["median_ms"] / first["median_ms"]
    results["offset_ratio"] = (
        results["offset, last page"]["median_ms"] / results["offset, first page"]["median_ms"]
    )
    return results


def report(results: dict) -> list[list[str]]:
    """Rows in bench/run.py's table: scenario, registry, yardstick, ratio, target, result."""
    rate = {name: r["pages_per_s"] for name, r in results.items() if isinstance(r, dict)}
    ok = results["cursor_ratio"] <= TARGET_RATIO
    return [
        [
            f"API list ?market=AU&crop=longan ({results['rows']:,} rows), cursor: "
            "first / last page (pages/s, uncached)",
            f"{rate['cursor, first page']:.1f} / {rate['cursor, last page']:.1f}",
            f"offset {rate['offset, first page']:.1f} / {rate['offset, last page']:.1f}",
            f"{results['cursor_ratio']:.2f} (offset {results['offset_ratio']:.2f})",
            f"last <= {TARGET_RATIO}x first",
            "PASS" if ok else "FAIL",
        ]
    ]


def main(argv=None) -> int:
    from bench.run import print_table, standalone

    args = standalone(__doc__, argv, 20, "loads per scenario", API_ANON_RATE="1000000/second")
    from registry.models import AreaCode

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Keyset paging: {AreaCode.objects.count():,} codes, {URL}?market=AU&crop=longan, "
        f"{LIMIT} a page, {os.cpu_count()} cores, load average {load}"
    )
    results = measure(args.repeat)
    print(f"{results['rows']:,} rows match; each load uncached (answer cache emptied)")
    for name, r in results.items():
        if isinstance(r, dict):
            print(f"  {name}: {r['pages_per_s']:.1f} pages/s, median {r['median_ms']:.1f} ms")
    header = ["scenario", "registry", "yardstick", "time ratio", "target", "result"]
    print_table([header, *report(results)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
