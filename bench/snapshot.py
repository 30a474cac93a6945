#!/usr/bin/env python
"""The open-data snapshot at scale (issue 13): ``publish()`` of every public record, timed, with
the process's peak memory (its whole resident size, Django included: ``ru_maxrss``) and how
much the snapshot added to it. Targets: under 60 s and under 300 MB at 100,000 codes. Not a
test.

    .venv/bin/python bench/snapshot.py --database vt_snapshot_bench --seed 100000
    .venv/bin/python bench/snapshot.py --database vt_snapshot_bench
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60
TARGET_MB = 300


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(repeat: int = 3) -> dict:
    from django.conf import settings

    from registry.open_data import publish, snapshots

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        settings.OPEN_DATA_ROOT = Path(folder)
        for _ in range(repeat):
            before, peak, done = rss_mb(), [0.0], threading.Event()

            def sample(peak=peak, done=done):
                while not done.wait(0.05):
                    peak[0] = max(peak[0], rss_mb())

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            snapshot_id = publish.publish()
            seconds = time.perf_counter() - started
            done.set()
            sampler.join()
            described = snapshots.metadata(snapshot_id)
            runs.append(
                {
                    "seconds": seconds,
                    "growth_mb": max(peak[0], rss_mb()) - before,
                    "rows": sum(described["rows"].values()),
                    "codes": described["rows"]["area_codes"],
                    "zip_mb": described["zip"]["bytes"] / 2**20,
                }
            )
    best = min(runs, key=lambda run: run["seconds"])
    return {
        **best,
        "median_seconds": sorted(r["seconds"] for r in runs)[len(runs) // 2],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "max_growth_mb": max(r["growth_mb"] for r in runs),
    }


def report(results: dict) -> list[list[str]]:
    """Rows in bench/run.py's table: scenario, registry, yardstick, ratio, target, result."""
    seconds_ok = results["median_seconds"] < TARGET_SECONDS
    memory_ok = results["peak_mb"] < TARGET_MB
    return [
        [
            f"Open-data snapshot, {results['codes']:,} codes ({results['rows']:,} rows): seconds",
            f"{results['median_seconds']:.1f}",
            f"zip {results['zip_mb']:.1f} MB",
            "",
            f"< {TARGET_SECONDS} s",
            "PASS" if seconds_ok else "FAIL",
        ],
        [
            "  same, peak memory of the process (MB)",
            f"{results['peak_mb']:.0f}",
            f"snapshot added {results['max_growth_mb']:.0f}",
            "",
            f"< {TARGET_MB} MB",
            "PASS" if memory_ok else "FAIL",
        ],
    ]


def measure_in_subprocess(database: str, repeat: int = 1) -> dict:
    """``measure`` in a fresh process (as the worker runs it), so that its peak memory is the
    snapshot's and not that of the benchmarks run before it in this one."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "snapshot.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "snapshot.py"),
                "--database",
                database,
                "--repeat",
                str(repeat),
                "--json",
                str(output),
            ],
            check=True,
            cwd=ROOT,
        )
        return json.loads(output.read_text())


def main(argv=None) -> int:
    from bench.run import print_table, standalone

    args = standalone(
        __doc__,
        argv,
        3,
        "snapshots to publish",
        lambda parser: parser.add_argument("--json", type=Path, help="also write the results here"),
    )
    from registry.models import AreaCode

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Open-data snapshot: {AreaCode.objects.count():,} codes, database {args.database}, "
        f"{os.cpu_count()} cores, load average {load}"
    )
    results = measure(args.repeat)
    header = ["scenario", "registry", "yardstick", "ratio", "target", "result"]
    print_table([header, *report(results)])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
