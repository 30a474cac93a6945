#!/usr/bin/env python
"""The area codes' admin changelist at scale (issue 11): GET of its first page, with a market
filter, and with a search, as a signed-in superuser through Django's test client (the whole
stack but the socket). Prints median and p95 wall-clock ms of warm loads against the target,
with the request's own CPU time and SQL time beside them (on a busy machine the wall clock
also holds other processes' turns), then the first load after a write (nothing cached) with
its slowest SQL and that statement's EXPLAIN ANALYZE. Not a test.

bench/run.py runs it; alone, on a seeded database kept by ``--keep`` or seeded here::

    .venv/bin/python bench/admin_list.py --database vt_bench --seed 1000000
    .venv/bin/python bench/admin_list.py --database vt_bench
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 200
PAGES = {
    "first page": {},
    "market AU": {"market": "AU"},
    "search": {"q": "chieng"},
}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class QueryRecorder:
    """Every SQL statement of a load with its time (``connection.execute_wrapper``)."""

    def __init__(self):
        self.queries: list[tuple[float, str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql, params))


def timed_get(client, url, params) -> dict:
    """One load: wall time, this thread's CPU time (the part other processes on the machine
    cannot inflate) and the SQL statements with their times."""
    from django.db import connection

    recorder = QueryRecorder()
    with connection.execute_wrapper(recorder):
        cpu, wall = time.thread_time(), time.perf_counter()
        response = client.get(url, params)
        wall_ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.thread_time() - cpu) * 1000
    assert response.status_code == 200, response.status_code
    return {
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
        "sql_ms": sum(q[0] for q in recorder.queries),
        "queries": recorder.queries,
        "rows": response.context_data["cl"].result_count,
    }


def explain_analyze(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(repeat: int = 20) -> dict:
    """For each page: warm loads (median and p95 ms), and the first load after a write, with
    its slowest statements and the plan of the slowest."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.run import move_data_version

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = "/admin/registry/areacode/"
    results = {}
    for name, params in PAGES.items():
        move_data_version()  # nothing cached: the first administrator after a write
        cold = timed_get(client, url, params)
        warm = [timed_get(client, url, params) for _ in range(repeat)]
        # (the planner's estimate of the count is an EXPLAIN already: not one to explain again)
        statements = [q for q in cold["queries"] if not q[1].lstrip().upper().startswith("EXPLAIN")]
        slowest = sorted(statements, key=lambda q: -q[0])[:3]
        results[name] = {
            "median_ms": statistics.median(w["wall_ms"] for w in warm),
            "p95_ms": p95([w["wall_ms"] for w in warm]),
            "cpu_ms": statistics.median(w["cpu_ms"] for w in warm),
            "sql_ms": statistics.median(w["sql_ms"] for w in warm),
            "queries": len(warm[-1]["queries"]),
            "cold_ms": cold["wall_ms"],
            "cold_sql_ms": cold["sql_ms"],
            "cold_queries": len(cold["queries"]),
            "rows": cold["rows"],
            "slowest_cold": [(ms, sql[:240]) for ms, sql, _ in slowest],
            "slowest_plan": explain_analyze(slowest[0][1], slowest[0][2]),
        }
    return results


def report(results: dict) -> list[list[str]]:
    rows = []
    for name, r in results.items():
        rows.append(
            [
                f"Admin codes changelist, {name} ({r['rows']:,} rows): median / p95 (ms)",
                f"{r['median_ms']:.1f} / {r['p95_ms']:.1f}",
                f"CPU {r['cpu_ms']:.0f}, SQL {r['sql_ms']:.0f}",
                "",
                f"p95 < {TARGET_MS}",
                "PASS" if r["p95_ms"] < TARGET_MS else "FAIL",
            ]
        )
        rows.append(
            [
                "  same, first load after a write (ms; SQL queries warm / after a write)",
                f"{r['cold_ms']:.0f}",
                f"SQL {r['cold_sql_ms']:.0f}; {r['queries']} / {r['cold_queries']} queries",
                "",
                "",
                "",
            ]
        )
    return rows


def main(argv=None) -> int:
    from bench.run import print_table, standalone

    args = standalone(__doc__, argv, 20, "warm loads per page")
    from registry.models import AreaCode

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Admin changelist: {AreaCode.objects.count():,} codes, database {args.database}, "
        f"{os.cpu_count()} cores, load average {load}"
    )
    results = measure(args.repeat)
    print()
    header = ["scenario", "wall", "of which", "", "target", "result"]
    print_table([header, *report(results)])
    print()
    for name, r in results.items():
        print(f"Slowest SQL of the {name} load after a write:")
        for ms, sql in r["slowest_cold"]:
            print(f"    {ms:7.1f} ms  {sql}")
        print("  plan of the slowest:")
        for line in r["slowest_plan"].splitlines():
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
