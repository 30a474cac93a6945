#!/usr/bin/env python
"""The benchmark suite (not tests): ``.venv/bin/python bench/run.py [--scale 100000]``.

Creates a throwaway PostgreSQL database (on the server of DATABASE_URL, else 127.0.0.1:5432 as
postgres), seeds N growing-area codes, runs each scenario several times beside its yardstick,
prints a table of medians, ratios and PASS/FAIL against the targets, writes the same as JSON,
and drops the database.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDEX_USE = re.compile(r"(?:Index Scan using|Index Only Scan using|Bitmap Index Scan on) (\S+)")

TARGETS = {
    "csv_ratio": 0.6,
    "csv_memory_mb": 30,
    "lookup_ratio": 0.9,
    "list_ratio": 1.2,
    "list_p99_ms": 100,
    "check_queries": 5,
    "check_ms": 100,
    # look-ups per second with registry/api/prepared.py over those without it (issue 9 §4)
    "prepared_ratio": 1.10,
    # status changes per second while a 5,000-row import runs, over those alone: the import
    # may cost them less than 20% (issue 9, "Benchmark")
    "writes_ratio": 0.80,
    # 50,000 area-code rows previewed, applied, and the memory the import grows by (issue 11)
    "import_preview_s": 60,
    "import_apply_s": 60,
    "import_memory_mb": 300,
}
IMPORT_ROWS = 5_000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="number of area codes")
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario (median)")
    parser.add_argument(
        "--duration",
        type=float,
        default=5,
        help="seconds per HTTP load run (twice that for each concurrent-write window)",
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent HTTP connections of the load"
    )
    parser.add_argument("--json", type=Path, help="where to write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database", help="reuse this already seeded database (kept by --keep) instead"
    )
    return parser.parse_args(argv)


# --- Database --------------------------------------------------------------------------------


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(with_database(url, "postgres"))
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def standalone(
    doc: str, argv, repeat: int, repeat_help: str, options=None, **environment
) -> argparse.Namespace:
    """A benchmark run on its own (``bench/<name>.py --database D [--seed N]``): parse the
    shared options (and ``options(parser)``'s), create and seed the database when asked, then
    set Django up on it (``bench.settings``, DEBUG off, ``environment``) and migrate."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database", required=True, help="database to use (created by --seed)")
    parser.add_argument("--seed", type=int, help="create the database and seed this many codes")
    parser.add_argument("--repeat", type=int, default=repeat, help=repeat_help)
    if options:
        options(parser)
    args = parser.parse_args(argv)
    args.server = server_url()
    if args.seed:
        with admin_connection(args.server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.database}")
    os.environ.update(
        DATABASE_URL=with_database(args.server, args.database),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        **environment,
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.seed:
        from bench.seed import seed

        started = time.perf_counter()
        shape = seed(args.seed)
        print(f"seeded {shape} in {time.perf_counter() - started:.1f}s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return args


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


# --- Measurements ----------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def median(values):
    return statistics.median(values) if values else 0.0


def measure_csv(repeat: int, sql: str) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    download, memory = [], []
    for _ in range(repeat):
        start_rss, peak, lines = rss_bytes(), 0, 0
        start = time.perf_counter()
        response = client.get("/api/v1/area-codes/", {"format": "csv"})
        for index, chunk in enumerate(response.streaming_content):
            lines += chunk.count(b"\n")
            if index % 200 == 0:
                peak = max(peak, rss_bytes())
        elapsed = time.perf_counter() - start
        download.append((lines - 1) / elapsed)
        memory.append(max(peak, rss_bytes()) - start_rss)

    copy_rates = []
    for _ in range(repeat):
        rows = 0
        start = time.perf_counter()
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for data in copy:
                rows += bytes(data).count(b"\n")
        copy_rates.append((rows - 1) / (time.perf_counter() - start))
    return {
        "download_rows_per_s": median(download),
        "copy_rows_per_s": median(copy_rates),
        "ratio": median(download) / median(copy_rates),
        "memory_growth_mb": max(memory) / 2**20,
        "rows": lines - 1,
    }


def copy_sql() -> str:
    from registry.models import Market

    markets = list(Market.objects.order_by("code"))
    per_market = ", ".join(
        f"max(s.status) FILTER (WHERE s.market_id = {m.pk}) AS status_{m.code.lower()}"
        for m in markets
    )
    return f"""
        COPY (
          WITH s AS (
            SELECT s.subject_id,
                   string_agg(m.code, '; ' ORDER BY m.code) FILTER (WHERE s.status = 'active')
                     AS active_markets,
                   {per_market}
            FROM registry_areacodemarket s JOIN registry_market m ON m.id = s.market_id
            GROUP BY s.subject_id
          )
          SELECT a.code, a.kind, c.name_vi, a.variety, co.tax_code, co.name, cert.number,
                 cert.expires_on, a.area_ha, a.households, a.average_yield_tonnes, p.name,
                 a.commune_id, cm.name, a.legacy_location, a.latitude, a.longitude,
                 a.issued_on, a.updated_at, s.*
          FROM registry_areacode a
          JOIN registry_crop c ON c.id = a.crop_id
          JOIN registry_cooperative co ON co.id = a.cooperative_id
          JOIN registry_commune cm ON cm.code = a.commune_id
          JOIN registry_province p ON p.code = cm.province_id
          LEFT JOIN registry_vietgapcertificate cert ON cert.id = a.certificate_id
          LEFT JOIN s ON s.subject_id = a.id
          ORDER BY a.code
        ) TO STDOUT WITH (FORMAT csv, HEADER)
    """


def measure_check(repeat: int, codes: list[str]) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    body = {"market": "AU", "date": "2026-11-25", "codes": codes}
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.post(
                "/api/v1/area-codes/check/", body, content_type="application/json"
            )
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:200]
        queries = len(captured)
    return {"ms": median(times), "queries": queries, "codes": len(codes)}


def measure_admin(repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/admin/registry/areacode/", {"market": "AU"})
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        queries = len(captured)
    return {"ms": median(times), "queries": queries}


def explain() -> dict:
    """The plans of the filters' queries, and which indexes they use."""
    from registry.models import AreaCode, AreaCodeMarket, Crop, Market, VietGAPCertificate

    try:
        from registry.rules.queries import certificate_validity_q
    except ImportError:  # before registry.rules became a package
        from registry.rules import certificate_validity_q

    au = Market.objects.get(code="AU")
    codes = AreaCode.objects.order_by("id").values_list("code", flat=True)
    any_code = codes[min(500, codes.count() - 1)]
    day = date(2026, 11, 25)
    queries = {
        "code look-up": AreaCode.objects.filter(code=any_code),
        "market + status": AreaCodeMarket.objects.filter(market=au, status="suspended"),
        # as the API filters: by the crop's id, resolved from its slug beforehand
        "crop": AreaCode.objects.filter(
            crop__in=Crop.objects.filter(slug="macadamia")[:1]
        ).order_by("code")[:50],
        "commune": AreaCode.objects.filter(commune_id="04204").order_by("code")[:50],
        "expiry": VietGAPCertificate.objects.filter(certificate_validity_q("expiring", day)),
    }
    plans = {}
    for name, queryset in queries.items():
        plan = queryset.explain()
        indexes = sorted(set(INDEX_USE.findall(plan)))
        plans[name] = {"indexes": indexes, "plan": plan}
    return plans


# --- HTTP scenarios --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        **extra_env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def side_by_side(
    port, registry_paths, yardstick_paths, repeat, duration, connections, before_registry=None
) -> dict:
    """``before_registry()``, when given, runs before each run of the registry's paths."""
    from bench import load

    before_registry = before_registry or (lambda: None)
    before_registry()
    load.run(port, registry_paths, 1, connections)  # warm both up
    load.run(port, yardstick_paths, 1, connections)
    runs = {"registry": [], "yardstick": []}
    for _ in range(repeat):
        before_registry()
        runs["registry"].append(load.run(port, registry_paths, duration, connections))
        runs["yardstick"].append(load.run(port, yardstick_paths, duration, connections))
    result = {}
    for side, values in runs.items():
        result[side] = {
            "rps": median([v["rps"] for v in values]),
            "p50_ms": median([v["p50_ms"] for v in values]),
            "p99_ms": median([v["p99_ms"] for v in values]),
            "errors": sum(v["errors"] for v in values),
            "tool": values[0]["tool"],
        }
    result["ratio"] = result["registry"]["rps"] / result["yardstick"]["rps"]
    return result


def prepared_or_not(port, unprepared_port, paths, repeat, duration, connections) -> dict:
    """The same look-ups from two identical servers, one without prepared look-ups
    (``REGISTRY_PREPARED_LOOKUPS=0``, see bench/urls.py); runs alternate between them."""
    from http.client import HTTPConnection

    from bench import load

    for path in paths[:20]:  # both must answer the same bytes
        bodies = []
        for p in (port, unprepared_port):
            conn = HTTPConnection("127.0.0.1", p, timeout=30)
            conn.request("GET", path)
            response = conn.getresponse()
            bodies.append((response.status, response.read()))
            conn.close()
        if bodies[0] != bodies[1]:
            raise RuntimeError(f"prepared and unprepared look-ups differ for {path}: {bodies}")
    load.run(port, paths, 1, connections)  # warm both up
    load.run(unprepared_port, paths, 1, connections)
    runs = {"prepared": [], "unprepared": []}
    for _ in range(repeat):
        runs["prepared"].append(load.run(port, paths, duration, connections))
        runs["unprepared"].append(load.run(unprepared_port, paths, duration, connections))
    result = {
        side: {
            "rps": median([v["rps"] for v in values]),
            "p50_ms": median([v["p50_ms"] for v in values]),
            "p99_ms": median([v["p99_ms"] for v in values]),
            "errors": sum(v["errors"] for v in values),
        }
        for side, values in runs.items()
    }
    result["ratio"] = result["prepared"]["rps"] / result["unprepared"]["rps"]
    return result


def move_data_version() -> None:
    """Commit a write to one area code (it changes nothing), so that PostgreSQL moves the data
    version and every cached answer is set aside."""
    from django.db.models import F

    from registry import data_version
    from registry.models import AreaCode

    before = data_version.current()
    first = AreaCode.objects.order_by("pk").values_list("pk", flat=True)[:1]
    assert AreaCode.objects.filter(pk__in=list(first)).update(updated_at=F("updated_at")) == 1
    assert data_version.current() != before, "the data version did not move"


# --- Report ----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict, targets_apply: bool) -> list[list[str]]:
    cold, prep, writes = results["list_cold"], results["lookup_prepared"], results["writes"]
    big = results["imports"]
    alone, during, imported = writes["alone"], writes["during_import"], writes["import"]
    control = writes["during_control"]
    csv_, look, lst, chk, adm = (
        results["csv"],
        results["lookup"],
        results["list"],
        results["check"],
        results["admin"],
    )
    t = TARGETS

    def check(ok):
        return verdict(ok) if targets_apply else "(no target)"

    return [
        ["scenario", "registry", "yardstick", "ratio", "target", "result"],
        [
            "CSV of all codes (rows/s)",
            f"{csv_['download_rows_per_s']:,.0f}",
            f"COPY {csv_['copy_rows_per_s']:,.0f}",
            f"{csv_['ratio']:.2f}",
            f">= {t['csv_ratio']}x COPY",
            check(csv_["ratio"] >= t["csv_ratio"]),
        ],
        [
            "CSV memory growth (MB)",
            f"{csv_['memory_growth_mb']:.1f}",
            "",
            "",
            f"<= {t['csv_memory_mb']}",
            check(csv_["memory_growth_mb"] <= t["csv_memory_mb"]),
        ],
        [
            "Code look-up (req/s)",
            f"{look['registry']['rps']:,.0f}",
            f"{look['yardstick']['rps']:,.0f}",
            f"{look['ratio']:.2f}",
            f">= {t['lookup_ratio']}x",
            check(look["ratio"] >= t["lookup_ratio"]),
        ],
        [
            "Code look-up p50 / p99 (ms)",
            f"{look['registry']['p50_ms']:.1f} / {look['registry']['p99_ms']:.1f}",
            f"{look['yardstick']['p50_ms']:.1f} / {look['yardstick']['p99_ms']:.1f}",
            "",
            "",
            "",
        ],
        [
            "List by market+crop (req/s)",
            f"{lst['registry']['rps']:,.0f}",
            f"{lst['yardstick']['rps']:,.0f}",
            f"{lst['ratio']:.2f}",
            f">= {t['list_ratio']}x",
            check(lst["ratio"] >= t["list_ratio"]),
        ],
        [
            "List p50 / p99 (ms)",
            f"{lst['registry']['p50_ms']:.1f} / {lst['registry']['p99_ms']:.1f}",
            f"{lst['yardstick']['p50_ms']:.1f} / {lst['yardstick']['p99_ms']:.1f}",
            "",
            f"p99 < {t['list_p99_ms']}",
            check(lst["registry"]["p99_ms"] < t["list_p99_ms"]),
        ],
        [
            "List, no cached page (req/s)",
            f"{cold['registry']['rps']:,.0f}",
            f"{cold['yardstick']['rps']:,.0f}",
            f"{cold['ratio']:.2f}",
            "",
            "",
        ],
        [
            "List, no cached page p50 / p99 (ms)",
            f"{cold['registry']['p50_ms']:.1f} / {cold['registry']['p99_ms']:.1f}",
            f"{cold['yardstick']['p50_ms']:.1f} / {cold['yardstick']['p99_ms']:.1f}",
            "",
            "",
            "",
        ],
        [
            "Bulk check, 1000 codes (ms)",
            f"{chk['ms']:.1f}",
            "",
            "",
            f"< {t['check_ms']}",
            check(chk["ms"] < t["check_ms"]),
        ],
        [
            "Bulk check (SQL queries)",
            str(chk["queries"]),
            "",
            "",
            f"<= {t['check_queries']}",
            check(chk["queries"] <= t["check_queries"]),
        ],
        ["Admin changelist, market filter (ms)", f"{adm['ms']:.1f}", "", "", "", ""],
        ["Admin changelist (SQL queries)", str(adm["queries"]), "", "", "", ""],
        [
            "Look-up, prepared / not (req/s)",
            f"{prep['prepared']['rps']:,.0f}",
            f"not {prep['unprepared']['rps']:,.0f}",
            f"{prep['ratio']:.2f}",
            f">= {t['prepared_ratio']}x",
            check(prep["ratio"] >= t["prepared_ratio"]),
        ],
        [
            "Look-up, prepared / not p50 / p99 (ms)",
            f"{prep['prepared']['p50_ms']:.1f} / {prep['prepared']['p99_ms']:.1f}",
            f"{prep['unprepared']['p50_ms']:.1f} / {prep['unprepared']['p99_ms']:.1f}",
            "",
            "",
            "",
        ],
        [
            f"Status changes, {writes['clients']} clients, during import / alone (per s)",
            f"{during['per_s']:,.0f}",
            f"alone {alone['per_s']:,.0f}",
            f"{writes['ratio']:.2f}",
            f">= {t['writes_ratio']}x alone",
            check(writes["ratio"] >= t["writes_ratio"]),
        ],
        [
            f"Status changes, each of {writes['pairs']} pairs: during / alone",
            " ".join(f"{ratio:.2f}" for ratio in writes["ratios"]),
            "",
            "",
            "",
            "",
        ],
        [
            "Status changes p99 / max (ms)",
            f"{during['p99_ms']:.1f} / {during['max_ms']:.0f}",
            f"alone {alone['p99_ms']:.1f} / {alone['max_ms']:.0f}",
            "",
            "",
            "",
        ],
        [
            "Status changes lock waits (samples with a waiter)",
            f"{during['lock_waiting_samples']} of {during['lock_samples']}",
            f"alone {alone['lock_waiting_samples']} of {alone['lock_samples']}",
            "",
            "",
            "",
        ],
        [
            "Control: same import, a transaction per row (per s)",
            f"{control['per_s']:,.0f}",
            f"alone {alone['per_s']:,.0f}",
            f"{writes['control_ratio']:.2f}",
            "",
            "",
        ],
        [
            f"Import preview, {big['rows']:,} area-code rows (s)",
            f"{big['preview_s']:.1f}",
            "",
            "",
            f"< {t['import_preview_s']}",
            check(big["preview_s"] < t["import_preview_s"]),
        ],
        [
            f"Import apply, {big['rows']:,} area-code rows (s)",
            f"{big['apply_s']:.1f}",
            "",
            "",
            f"< {t['import_apply_s']}",
            check(big["apply_s"] < t["import_apply_s"] and big["state"] == "done"),
        ],
        [
            "Import memory growth (MB)",
            f"{big['memory_growth_mb']:.0f}",
            "",
            "",
            f"< {t['import_memory_mb']}",
            check(big["memory_growth_mb"] < t["import_memory_mb"]),
        ],
        [
            f"Import of {imported['rows']:,} codes, one transaction (s)",
            f"{imported['seconds']:.1f}",
            "",
            "",
            "",
            "",
        ],
    ]


def print_table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main(argv=None) -> int:
    args = parse_args(argv)
    base = server_url()
    name = args.database or f"vungtrong_bench_{os.getpid()}"
    if not args.database:
        with admin_connection(base) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    os.environ.update(
        DATABASE_URL=with_database(base, name),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        API_ANON_RATE="1000000000/minute",
        API_USER_RATE="1000000000/minute",
        CONN_MAX_AGE="600",
    )
    gunicorn = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from bench import (
            admin_list,
            boundaries,
            imports,
            keyset_pages,
            packing_check,
            snapshot,
            writes,
            xlsx_download,
        )
        from bench.seed import seed
        from registry.models import AreaCode

        print(f"Benchmark: {args.scale:,} codes, {os.cpu_count()} cores, database {name}")
        call_command("migrate", verbosity=0)
        if args.database:
            shape = {"codes": AreaCode.objects.count(), "reused": args.database}
        else:
            started = time.perf_counter()
            shape = seed(args.scale)
            print(f"seeded {shape} in {time.perf_counter() - started:.1f}s", flush=True)

        results = {
            "connections": args.connections,
            "scale": args.scale,
            "cores": os.cpu_count(),
            "date": date.today().isoformat(),
            "shape": shape,
        }
        results["csv"] = measure_csv(max(1, min(args.repeat, 3)), copy_sql())
        print("csv done", flush=True)
        codes = list(AreaCode.objects.order_by("?").values_list("code", flat=True)[:1000])
        results["check"] = measure_check(
            args.repeat, [*codes[:950], *(f"VN-ZZOR-{i:04d}" for i in range(50))]
        )
        # (writes one packing house and its links: before the cached answers are built)
        results["packing_check"] = packing_check.measure(args.repeat, codes)
        results["admin"] = measure_admin(args.repeat)
        results["admin_list"] = admin_list.measure(max(args.repeat, 20))
        results["xlsx"] = xlsx_download.measure(min(args.scale, 100_000))
        print("admin and xlsx done", flush=True)
        results["keyset"] = keyset_pages.measure(max(args.repeat, 5))
        results["snapshot"] = snapshot.measure_in_subprocess(name)
        print("keyset pages and open-data snapshot done", flush=True)
        results["explain"] = explain()

        port = free_port()
        gunicorn = start_gunicorn(port)
        results["lookup"] = side_by_side(
            port,
            [f"/api/v1/area-codes/{c}/" for c in codes],
            [f"/bench/lookup/{c}/" for c in codes],
            args.repeat,
            args.duration,
            args.connections,
        )
        print("look-up done", flush=True)
        combos = [
            (m, c, o)
            for m in ("AU", "US", "CN")
            for c in ("longan", "mango")
            for o in range(0, 500, 50)
        ]
        results["list"] = side_by_side(
            port,
            [f"/api/v1/area-codes/?market={m}&crop={c}&offset={o}" for m, c, o in combos],
            [f"/bench/list/?market={m}&crop={c}&offset={o}" for m, c, o in combos],
            args.repeat,
            args.duration,
            args.connections,
        )
        # The same filters, every offset below 500 (3,000 pages, as deep on average as the
        # cached list's), with the data version moved before each run, so that few cached
        # pages are served: the cost of building a page. (Pages are cached by their SQL, and
        # unknown parameters are refused, so a junk parameter can no longer make a URL new.)
        cold = [
            f"?market={m}&crop={c}&offset={o}"
            for o in range(500)
            for m, c in sorted({(m, c) for m, c, _ in combos})
        ]
        results["list_cold"] = side_by_side(
            port,
            [f"/api/v1/area-codes/{query}" for query in cold],
            [f"/bench/list/{query}" for query in cold],
            args.repeat,
            args.duration,
            args.connections,
            before_registry=move_data_version,
        )
        print("lists done", flush=True)
        unprepared_port = free_port()
        unprepared = start_gunicorn(unprepared_port, REGISTRY_PREPARED_LOOKUPS="0")
        try:
            results["lookup_prepared"] = prepared_or_not(
                port,
                unprepared_port,
                [f"/api/v1/area-codes/{c}/" for c in codes],
                args.repeat,
                args.duration,
                args.connections,
            )
        finally:
            unprepared.terminate()
            unprepared.wait(30)
        print("prepared look-ups done", flush=True)
        # These write (and so move the data version under every cached answer): last.
        results["imports"] = imports.measure(min(imports.ROWS, args.scale))
        print("imports done", flush=True)
        results["writes"] = writes.measure(
            port, 2 * args.duration, min(IMPORT_ROWS, args.scale), args.repeat
        )
        print("concurrent writes done", flush=True)
        results["boundaries"] = boundaries.measure(max(args.repeat, 30))
        print("boundaries done", flush=True)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.database:
            with admin_connection(base) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    rows = report(results, targets_apply=results["shape"]["codes"] == 100_000)
    rows += packing_check.report(results["packing_check"])
    rows += admin_list.report(results["admin_list"]) + xlsx_download.report(results["xlsx"])
    rows += keyset_pages.report(results["keyset"]) + snapshot.report(results["snapshot"])
    rows += boundaries.report(results["boundaries"])
    print()
    print_table(rows)
    print()
    for run in ("alone", "during_import", "during_control"):
        seen = results["writes"][run]["lock_waits_seen"]
        waits = ", ".join(f"{kind} x{count}" for kind, count in seen.items()) or "none"
        print(f"Lock waits seen, status changes {run.replace('_', ' ')}: {waits}")
    print()
    for query, plan in results["explain"].items():
        print(f"EXPLAIN {query}: indexes {', '.join(plan['indexes']) or 'none (sequential scan)'}")
        for line in plan["plan"].splitlines():
            print(f"    {line}")
    results["table"] = rows
    path = args.json or ROOT / "bench" / "results" / f"bench-{results['date']}-{args.scale}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
