"""A national-scale spreadsheet import: preview and application of 50,000 area-code rows.

The file is what a provincial office sends back: existing codes as the registry holds them
(most unchanged, one in ten with a new variety) and new codes registered for one market. It
is previewed and applied by ``registry.import_jobs`` as the worker does (an ``ImportJob``,
the stored upload, the batched engine), in a process of its own, so that its peak memory
(``ru_maxrss``) minus its memory before reading the file is the import's growth.

Run by ``bench/run.py``; alone: ``python -m bench.imports ROWS`` (Django set up on a seeded
database) prints the figures as JSON.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 50_000
MARKET = "AU"


def rss_now_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def import_file(rows: int) -> bytes:
    """``rows`` rows: existing codes (up to 90% of the file; every tenth with a new variety)
    and new codes with "status AU: active"."""
    from django.db.models import F, Q

    from registry.models import AreaCode
    from registry.rules.tax_codes import tax_code as fictitious_tax_code

    consistent = Q(certificate__isnull=True) | Q(
        certificate__crop=F("crop"), certificate__cooperative=F("cooperative")
    )
    existing = list(
        AreaCode.objects.filter(consistent)
        .order_by("code")
        .values_list(
            "code",
            "kind",
            "crop__slug",
            "cooperative__tax_code",
            "variety",
            "area_ha",
            "commune_id",
            "issued_on",
        )[: rows * 9 // 10]
    )
    cooperatives = sorted({(row[3], row[6]) for row in existing[:500]}) or [
        (fictitious_tax_code(1), "04204")
    ]
    lines = [f"code,kind,crop,cooperative,variety,area_ha,commune,issued_on,status_{MARKET}"]
    for i, (code, kind, crop, tax_code, variety, area, commune, issued) in enumerate(existing):
        variety = f"{variety} mới" if i % 10 == 0 else variety
        lines.append(f"{code},{kind},{crop},{tax_code},{variety},{area},{commune},{issued},")
    for i in range(rows - len(existing)):
        tax_code, commune = cooperatives[i % len(cooperatives)]
        lines.append(
            f"VN-Z{chr(90 - i // 9999)}OR-{i % 9999 + 1:04d},export,longan,{tax_code},Nhãn,12.5,"
            f"{commune},2026-01-15,active"
        )
    return ("\n".join(lines) + "\n").encode()


def run(rows: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from registry import import_jobs, imports
    from registry.models import ImportJob

    user, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_superuser": True, "is_staff": True}
    )
    content = import_file(rows)
    storage = imports.UploadStorage()
    storage.save(content)
    size_mb = len(content) / 1e6
    del content
    job = ImportJob.objects.create(
        resource="area-codes", file_name=storage.name, file_format=0, user=user
    )
    before_kb = rss_now_kb()
    started = time.perf_counter()
    import_jobs.preview(job.pk)
    preview_s = time.perf_counter() - started
    job.refresh_from_db()
    previewed = dict(job.summary["counts"], problems=job.summary["problems"][:3])
    started = time.perf_counter()
    job = import_jobs.start_apply(job.pk)
    apply_s = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "preview_s": preview_s,
        "apply_s": apply_s,
        "memory_growth_mb": (peak_kb - before_kb) / 1024,
        "previewed": previewed,
        "state": job.state,
        "applied": job.summary.get("counts"),
        "message": job.message,
    }


def measure(rows: int = ROWS) -> dict:
    """Run the scenario in a process of its own (its memory is the import's alone)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.imports", str(rows)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import scenario failed: {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)), flush=True)
