#!/usr/bin/env python
"""The public code page (issue 15) beside its yardstick, a plain Django template view of the
same data (``bench/yardstick.py: code_page``), under HTTP load from gunicorn configured as in
production; the same page with no rendered page kept (``PUBLIC_PAGE_CACHE_SECONDS=0``); a
conditional GET (304); and the QR image's latency once cached, one request at a time. Prints
medians against the targets. Not a test.

The servers keep rendered pages where production does (docker-compose sets ``REDIS_URL``): in
Redis, shared by every worker, when ``--cache`` names one or one answers on 127.0.0.1:6379
(``--cache none``: each worker's own memory, as a single-host run without Redis). Before the
runs, every measured page is fetched once, so the "page" scenario measures pages kept and the
"no rendered page kept" scenario measures rendering; each worker filling its own memory while
being measured measured neither.

Alone, on a seeded database kept by ``bench/run.py --keep`` or seeded here::

    .venv/bin/python bench/public_pages.py --database vt_bench --seed 100000
    .venv/bin/python bench/public_pages.py --database vt_bench
"""

import os
import socket
import statistics
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"page_ratio": 0.9, "page_p99_ms": 50, "qr_ms": 5}


def _median_runs(port, paths, repeat, duration, connections) -> dict:
    from bench import load

    runs = [load.run(port, paths, duration, connections) for _ in range(repeat)]
    return {
        key: statistics.median(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms")
    } | {"errors": sum(run["errors"] for run in runs), "tool": runs[0]["tool"]}


def _latencies(port, path, count, headers=None) -> list[float]:
    """Milliseconds of ``count`` sequential GETs of ``path`` on one kept-alive connection."""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status in (200, 304), (path, response.status)
    connection.close()
    return times


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cache_url(asked: str | None) -> str:
    """The Redis to keep pages in ("" for each worker's memory): ``--cache``, else
    ``REDIS_URL``, else a Redis answering on 127.0.0.1:6379 (its database 15)."""
    if asked is not None:
        return "" if asked == "none" else asked
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return ""
    return "redis://127.0.0.1:6379/15"


def fill(port, paths):
    """Fetches every path once, one at a time: the pages measured next are kept."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    for path in paths:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    connection.close()


def measure(port, uncached_port, codes, repeat, duration, connections) -> dict:
    """``port``: the production server; ``uncached_port``: one with PUBLIC_PAGE_CACHE_SECONDS=0."""
    from bench import load

    pages = [f"/codes/{code}/" for code in codes]
    yardstick = [f"/bench/code-page/{code}/" for code in codes]
    fill(port, pages)
    for server, paths in ((port, pages), (uncached_port, pages), (port, yardstick)):
        load.run(server, paths, 2, connections)  # warm up
    results = {"page": [], "yardstick": [], "uncached": []}
    for _ in range(repeat):  # alternate, so that a noisy moment hits every side
        results["page"].append(_median_runs(port, pages, 1, duration, connections))
        results["yardstick"].append(_median_runs(port, yardstick, 1, duration, connections))
        results["uncached"].append(_median_runs(uncached_port, pages, 1, duration, connections))
    summary = {
        side: {
            key: statistics.median(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms")
        }
        | {"errors": sum(run["errors"] for run in runs)}
        for side, runs in results.items()
    }
    summary["ratio"] = summary["page"]["rps"] / summary["yardstick"]["rps"]
    summary["uncached_ratio"] = summary["uncached"]["rps"] / summary["yardstick"]["rps"]
    summary["tool"] = results["page"][0]["tool"]

    # Conditional GET: the ETag of one page, then If-None-Match, one request at a time.
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", pages[0])
    response = connection.getresponse()
    response.read()
    etag = response.getheader("ETag")
    connection.close()
    not_modified = _latencies(port, pages[0], 300, {"If-None-Match": etag})
    summary["not_modified_ms"] = {
        "p50": statistics.median(not_modified),
        "p99": _percentile(not_modified, 0.99),
    }
    qr_paths = [f"/codes/{code}/qr.png" for code in codes[:20]]
    for path in qr_paths:
        _latencies(port, path, 1)  # each drawn once, and cached
    qr = [ms for path in qr_paths for ms in _latencies(port, path, 25)]
    summary["qr_ms"] = {"p50": statistics.median(qr), "p99": _percentile(qr, 0.99)}
    cold_started = time.perf_counter()
    _latencies(uncached_port, f"/codes/{codes[-1]}/qr.png", 1)
    summary["qr_first_ms"] = (time.perf_counter() - cold_started) * 1000
    return summary


def report(summary, targets_apply: bool) -> list[list[str]]:
    def verdict(ok):
        return ("PASS" if ok else "FAIL") if targets_apply else "(no target at this scale)"

    page, yard, cold = summary["page"], summary["yardstick"], summary["uncached"]
    qr, nm = summary["qr_ms"], summary["not_modified_ms"]
    return [
        [
            "Public code page (req/s)",
            f"{page['rps']:,.0f}",
            f"{yard['rps']:,.0f}",
            f"{summary['ratio']:.2f}",
            f">= {TARGETS['page_ratio']}x",
            verdict(summary["ratio"] >= TARGETS["page_ratio"]),
        ],
        [
            "Public code page p50 / p99 (ms)",
            f"{page['p50_ms']:.1f} / {page['p99_ms']:.1f}",
            f"{yard['p50_ms']:.1f} / {yard['p99_ms']:.1f}",
            "",
            f"p99 < {TARGETS['page_p99_ms']}",
            verdict(page["p99_ms"] < TARGETS["page_p99_ms"]),
        ],
        [
            "Public code page, no rendered page kept (req/s; p50 / p99 ms)",
            f"{cold['rps']:,.0f}; {cold['p50_ms']:.1f} / {cold['p99_ms']:.1f}",
            f"{yard['rps']:,.0f}",
            f"{summary['uncached_ratio']:.2f}",
            "",
            "",
        ],
        [
            "Conditional GET answered 304, p50 / p99 (ms, one client)",
            f"{nm['p50']:.2f} / {nm['p99']:.2f}",
            "",
            "",
            "",
            "",
        ],
        [
            "QR PNG once cached, p50 / p99 (ms, one client)",
            f"{qr['p50']:.2f} / {qr['p99']:.2f}",
            "",
            "",
            f"p50 < {TARGETS['qr_ms']}",
            verdict(qr["p50"] < TARGETS["qr_ms"]),
        ],
        ["QR PNG drawn the first time (ms)", f"{summary['qr_first_ms']:.1f}", "", "", "", ""],
    ]


def main(argv=None) -> int:
    from bench.run import admin_connection, free_port, print_table, standalone, start_gunicorn

    def options(parser):
        parser.add_argument("--duration", type=float, default=5)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
        parser.add_argument(
            "--cache",
            help="Redis URL for the servers' caches, or 'none' (default: REDIS_URL, else a Redis "
            "on 127.0.0.1:6379, else each worker's memory)",
        )

    args = standalone(__doc__, argv, 5, "runs per scenario", options, CONN_MAX_AGE="600")
    base = args.server
    from registry.models import AreaCode

    count = AreaCode.objects.count()
    codes = list(AreaCode.objects.order_by("?").values_list("code", flat=True)[:1000])
    from django.db import connections

    connections.close_all()
    port, uncached_port = free_port(), free_port()
    redis = cache_url(args.cache)
    servers = [
        start_gunicorn(port, REDIS_URL=redis),
        start_gunicorn(uncached_port, REDIS_URL=redis, PUBLIC_PAGE_CACHE_SECONDS="0"),
    ]
    try:
        load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"Public pages: {count:,} codes, {os.cpu_count()} cores, load {load_average}")
        print(f"cache: {redis or 'each worker its own memory (no Redis)'}")
        summary = measure(port, uncached_port, codes, args.repeat, args.duration, args.connections)
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
        if args.drop:
            connections.close_all()
            with admin_connection(base) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    print(
        f"load tool: {summary['tool']}, {args.connections} connections, "
        f"medians of {args.repeat} runs of {args.duration:g} s; errors: "
        f"{summary['page']['errors']} / {summary['yardstick']['errors']}"
    )
    print_table(
        [
            ["scenario", "registry", "yardstick", "ratio", "target", "result"],
            *report(summary, targets_apply=count == 100_000),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
