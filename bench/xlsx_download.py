#!/usr/bin/env python
"""The XLSX download at scale (issue 11): rows per second and memory growth of writing the
area codes' workbook (openpyxl's write-only mode, rows read in chunks), which must not grow
with the rows. Not a test.

bench/run.py runs it; alone, on a seeded database (see bench/admin_list.py)::

    .venv/bin/python bench/xlsx_download.py --database vt_bench --rows 100000
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMORY_TARGET_MB = 30


def measure(rows: int) -> dict:
    """Write the first ``rows`` codes (a tenth of them first, to see growth) to a file."""
    import threading

    from bench.run import rss_bytes
    from registry import xlsx_exports
    from registry.models import AreaCode
    from registry.tables import AREA_CODES

    result = {}
    for label, limit in (("tenth", max(1, rows // 10)), ("all", rows)):
        queryset = AreaCode.objects.order_by("code")[:limit]
        start_rss, peak, done = rss_bytes(), [0], threading.Event()

        def sample(peak=peak, done=done):
            while not done.wait(0.05):
                peak[0] = max(peak[0], rss_bytes())

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            written = xlsx_exports.write_workbook(AREA_CODES, queryset, out, "vi")
            size = out.tell()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        result[label] = {
            "rows": written,
            "seconds": seconds,
            "rows_per_s": written / seconds,
            "memory_growth_mb": (max(peak[0], rss_bytes()) - start_rss) / 2**20,
            "file_mb": size / 2**20,
        }
    return result


def report(result: dict) -> list[list[str]]:
    tenth, full = result["tenth"], result["all"]
    return [
        [
            f"XLSX of {full['rows']:,} codes (rows/s; s; file MB)",
            f"{full['rows_per_s']:,.0f}",
            f"{full['seconds']:.1f} s, {full['file_mb']:.1f} MB",
            "",
            "",
            "",
        ],
        [
            f"XLSX memory growth, {tenth['rows']:,} / {full['rows']:,} rows (MB)",
            f"{tenth['memory_growth_mb']:.1f} / {full['memory_growth_mb']:.1f}",
            "",
            "",
            f"<= {MEMORY_TARGET_MB}",
            "PASS" if full["memory_growth_mb"] <= MEMORY_TARGET_MB else "FAIL",
        ],
    ]


def main(argv=None) -> int:
    from bench.run import print_table, server_url, with_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a seeded database")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    os.environ.update(
        DATABASE_URL=with_database(server_url(), args.database),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
    )
    import django

    django.setup()
    result = measure(args.rows)
    print_table([["scenario", "registry", "", "", "target", "result"], *report(result)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
