#!/usr/bin/env python
"""Saving a growing-area boundary with every code of the registry holding one (issue 14):
the whole ``AreaCode.save()`` in a transaction, as the admin and the API do it (checks,
measured area, the row, its history entry, and the overlaps: candidates by bounding box
through the index, the geometry test on those). Prints median and p95 ms against the target,
with the SQL time, the candidates read and the overlaps found. Not a test.

``bench/seed.py`` gives every seeded code a boundary (``seed_boundaries``): an irregular
octagon of about its declared area (one in twenty measures 30% off) scattered over northern
Vietnam, about one per km², so neighbours overlap now and then. Each measured save moves a
code's boundary onto a neighbour, so that it finds an overlap.

bench/run.py runs it; alone, on a database seeded by it or kept by ``run.py --keep``::

    .venv/bin/python bench/boundaries.py --database vt_bench --seed 100000
    .venv/bin/python bench/boundaries.py --database vt_bench
"""

import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 200
#: where the seeded boundaries lie (lon, lat): north-west and north of Vietnam
AREA = (103.0, 20.5, 106.5, 23.0)
METRES_PER_DEGREE = 111_320


def octagon(lon: float, lat: float, area_ha: float, rng: random.Random) -> dict:
    """An irregular octagon of about ``area_ha`` around (lon, lat), counter-clockwise."""
    radius = math.sqrt(area_ha * 10_000 / (2 * math.sqrt(2)))  # a regular octagon's area
    ring = []
    for k in range(8):
        angle = 2 * math.pi * k / 8 + rng.uniform(-0.15, 0.15)
        r = radius * rng.uniform(0.9, 1.1)
        ring.append(
            [
                round(
                    lon + r * math.cos(angle) / (METRES_PER_DEGREE * math.cos(math.radians(lat))), 7
                ),
                round(lat + r * math.sin(angle) / METRES_PER_DEGREE, 7),
            ]
        )
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def seed_boundaries(seed_value: int = 2040) -> int:
    """A boundary for every area code, with its derived columns (COPY into a scratch table,
    then one UPDATE)."""
    from django.db import connection

    from registry.models import AreaCode
    from registry.rules.geometry import read_boundary

    rng = random.Random(seed_value)
    rows = []
    for pk, declared in AreaCode.objects.order_by("pk").values_list("pk", "area_ha"):
        lon = rng.uniform(AREA[0], AREA[2])
        lat = rng.uniform(AREA[1], AREA[3])
        drawn = float(declared) * (1.3 if rng.random() < 0.05 else rng.uniform(0.93, 1.07))
        read = read_boundary(octagon(lon, lat, drawn, rng))
        rows.append(
            (pk, json.dumps(read.geojson), *read.bbox, read.area_ha, read.label_lon, read.label_lat)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_boundary (id bigint, boundary jsonb, min_lon float8, "
            "min_lat float8, max_lon float8, max_lat float8, area numeric, lon numeric, "
            "lat numeric)"
        )
        with cursor.cursor.copy("COPY bench_boundary FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
        cursor.execute(
            "UPDATE registry_areacode c SET boundary = b.boundary, boundary_min_lon = b.min_lon, "
            "boundary_min_lat = b.min_lat, boundary_max_lon = b.max_lon, "
            "boundary_max_lat = b.max_lat, measured_area_ha = b.area, longitude = b.lon, "
            "latitude = b.lat FROM bench_boundary b WHERE c.id = b.id"
        )
        cursor.execute("DROP TABLE bench_boundary")
        cursor.execute("ANALYZE registry_areacode")
    return len(rows)


class QueryRecorder:
    def __init__(self):
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(repeat: int = 30, seed_value: int = 7) -> dict:
    """Move ``repeat`` codes' boundaries onto a neighbour's and time each save."""
    from django.db import connection, transaction

    from registry.models import AreaCode, BoundaryOverlap
    from registry.rules import boundaries

    rng = random.Random(seed_value)
    with_boundary = AreaCode.objects.filter(boundary_min_lon__isnull=False)
    total = with_boundary.count()
    ids = list(with_boundary.order_by("?").values_list("pk", flat=True)[: 2 * repeat])
    times, sql_ms, queries, candidates, found = [], [], [], [], []
    for moved_id, neighbour_id in zip(ids[::2], ids[1::2], strict=True):
        neighbour = AreaCode.objects.values("longitude", "latitude", "area_ha").get(pk=neighbour_id)
        code = AreaCode.objects.get(pk=moved_id)
        code.boundary = octagon(
            float(neighbour["longitude"]) + 0.0005,
            float(neighbour["latitude"]),
            float(neighbour["area_ha"]),
            rng,
        )
        recorder = QueryRecorder()
        with connection.execute_wrapper(recorder):
            start = time.perf_counter()
            with transaction.atomic():
                code.save()
            times.append((time.perf_counter() - start) * 1000)
        sql_ms.append(sum(ms for ms, _sql in recorder.queries))
        queries.append(len(recorder.queries))
        read = (
            code.boundary_min_lon,
            code.boundary_min_lat,
            code.boundary_max_lon,
            code.boundary_max_lat,
        )
        candidates.append(AreaCode.objects.filter(boundaries.near_q(*read)).count() - 1)
        found.append(
            BoundaryOverlap.objects.filter(first=code).count()
            + BoundaryOverlap.objects.filter(second=code).count()
        )
    return {
        "boundaries": total,
        "saves": len(times),
        "median_ms": statistics.median(times),
        "p95_ms": p95(times),
        "sql_ms": statistics.median(sql_ms),
        "queries": statistics.median(queries),
        "candidates": statistics.mean(candidates),
        "overlaps_found": statistics.mean(found),
    }


def report(results: dict) -> list[list[str]]:
    r = results
    return [
        [
            f"Save a boundary, {r['boundaries']:,} boundaries: median / p95 (ms)",
            f"{r['median_ms']:.1f} / {r['p95_ms']:.1f}",
            f"SQL {r['sql_ms']:.1f} ms, {r['queries']:.0f} queries",
            "",
            f"p95 < {TARGET_MS}",
            "PASS" if r["p95_ms"] < TARGET_MS else "FAIL",
        ],
        [
            "  candidates read / overlaps found per save (mean)",
            f"{r['candidates']:.1f} / {r['overlaps_found']:.1f}",
            "",
            "",
            "",
            "",
        ],
    ]


def main(argv=None) -> int:
    from bench.run import print_table, standalone

    args = standalone(__doc__, argv, 30, "boundaries saved")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Boundaries: database {args.database}, {os.cpu_count()} cores, load average {load}")
    results = measure(args.repeat)
    print()
    print_table([["scenario", "time", "of which", "", "target", "result"], *report(results)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
