"""The benchmark suite works (at a tiny scale); its timings are not asserted here."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def postgres_available() -> bool:
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return True
    try:
        socket.create_connection(("127.0.0.1", 5432), 1).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_benchmark_runs_at_tiny_scale(tmp_path):
    if not postgres_available():
        pytest.skip("the benchmark needs a PostgreSQL server")
    output = tmp_path / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--scale",
            "200",
            "--repeat",
            "1",
            "--duration",
            "1",
            "--json",
            str(output),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "| CSV of all codes (rows/s)" in result.stdout
    assert "EXPLAIN code look-up" in result.stdout
    data = json.loads(output.read_text())
    assert data["shape"]["codes"] == 200
    assert data["csv"]["rows"] == 200
    assert data["check"]["queries"] <= 5
    assert data["packing_check"]["queries"] <= 5
    assert 0 < data["packing_check"]["allowed"] < data["packing_check"]["codes"]
    assert "| Bulk check with a packing house" in result.stdout
    for scenario in ("lookup", "list", "list_cold"):
        assert data[scenario]["registry"]["errors"] == 0, scenario
        assert data[scenario]["registry"]["rps"] > 0, scenario
    assert data["explain"]["code look-up"]["indexes"]
    assert "| Look-up, prepared / not (req/s)" in result.stdout
    for side in ("prepared", "unprepared"):
        assert data["lookup_prepared"][side]["errors"] == 0, side
        assert data["lookup_prepared"][side]["rps"] > 0, side
    assert "| Status changes, 8 clients" in result.stdout
    writes = data["writes"]
    for run in ("alone", "during_import", "during_control"):
        assert writes[run]["errors"] == 0, (run, writes[run]["first_error"])
        assert writes[run]["changes"] > 0, run
    assert writes["import"]["errors"] == []
    assert writes["import"]["committed"] == writes["import"]["rows"] == 200
    assert "| Admin codes changelist, market AU" in result.stdout
    assert data["admin_list"]["first page"]["rows"] == 200
    assert data["xlsx"]["all"]["rows"] == 200


@pytest.mark.slow
def test_public_pages_benchmark_runs_at_tiny_scale():
    if not postgres_available():
        pytest.skip("the benchmark needs a PostgreSQL server")
    database = f"vungtrong_public_bench_{os.getpid()}"
    result = subprocess.run(
        [
            sys.executable,
            "bench/public_pages.py",
            "--database",
            database,
            "--seed",
            "200",
            "--repeat",
            "1",
            "--duration",
            "0.5",
            "--drop",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "| Public code page (req/s)" in result.stdout
    assert "| QR PNG once cached" in result.stdout
    assert "errors: 0 / 0" in result.stdout
    assert "\ncache: " in result.stdout  # where the pages were kept is printed
