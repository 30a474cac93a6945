"""Concurrent writes: status changes over HTTP, alone and while a large import runs.

Eight clients (each its own HTTP connection, so its own gunicorn thread and database
connection) POST status changes of *different* codes to ``/api/v1/area-codes/<code>/
status-changes/`` with an Administrators token, as fast as they are answered. Each client owns
its codes and flips each one between active and suspended for one market.

The import is production's: what the background worker runs for a confirmed import
(``registry.import_engine.Engine.apply``, batches of ``IMPORT_BATCH_SIZE`` rows, all in one
transaction) at the worker's lower CPU priority (``IMPORT_WORKER_NICE``), with a status column,
so every row also goes through the status-change rules. It runs in its own process (``python -m bench.writes import N PREFIX one``), which says when its transaction
has written its first row; the clients' window starts then and ends after the given seconds or
when the import commits, whichever comes first.

The machine is shared, so throughput drifts by more than the effect measured: "alone" and
"during an import" windows alternate, ``repeat`` pairs, and each window during an import is
compared with the mean of the alone windows just before and just after it; the median of those
ratios is the result. Imports of all but the last pair are stopped after their window (their
transaction is rolled back); the last one is left to commit and its duration is reported.

Two more figures tell a lock from a busy CPU (the machine's cores are shared by the server,
the clients, the import and PostgreSQL):

- a control run: the same import, each batch in its own transaction (``... rows``), stopped
  after the window. It does the same work but holds no long transaction (it commits, and so
  moves the data version, once per row instead). Were the open transaction making the status
  changes wait, the import would cost them more than the control does;
- lock waits: during each window another connection samples ``pg_stat_activity`` every 20 ms
  for backends waiting on a lock (``wait_event_type = 'Lock'``).


Every request goes to 127.0.0.1 only, and every run is bounded in time.
"""

import collections
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
CODES_PER_CLIENT = 40
MARKET = "CN"
IMPORT_MARKET = "CN"
IMPORT_TIMEOUT_S = 900
IMPORT_APP_NAME = "bench-import"


# --- Set-up (in the benchmark's process, Django set up) ---------------------------------------


def writer_token() -> str:
    """An API token of a user in the Administrators group (as an administrator would hold)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from registry.roles import ADMINISTRATORS

    user, _ = get_user_model().objects.get_or_create(username="bench-writer")
    user.groups.add(Group.objects.get(name=ADMINISTRATORS))
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def writer_pools(clients: int = CLIENTS, per_client: int = CODES_PER_CLIENT) -> list[list[str]]:
    """Disjoint lists of codes that are active for MARKET, one list per client."""
    from registry.models import AreaCodeMarket

    codes = list(
        AreaCodeMarket.objects.filter(market__code=MARKET, status="active")
        .order_by("subject__code")
        .values_list("subject__code", flat=True)[: clients * per_client]
    )
    per_client = len(codes) // clients
    if per_client == 0:
        raise RuntimeError(f"not enough codes active for {MARKET} to give {clients} clients one")
    return [codes[i * per_client : (i + 1) * per_client] for i in range(clients)]


# --- Load ------------------------------------------------------------------------------------


class StatusClients:
    """``len(pools)`` clients; each keeps the state of its own codes across runs."""

    def __init__(self, port: int, token: str, pools: list[list[str]]):
        self.port, self.token = port, token
        self.states = [dict.fromkeys(pool, "active") for pool in pools]

    def run(self, seconds: float, stop: threading.Event | None = None) -> dict:
        """Status changes per second and latencies (ms) over ``seconds`` (or until ``stop``)."""
        latencies, failures, lock = [], [], threading.Lock()
        stop = stop or threading.Event()
        watch = LockWatch()
        watch.start()
        deadline = time.perf_counter() + seconds
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}

        def client(state: dict):
            conn = HTTPConnection("127.0.0.1", self.port, timeout=120)
            mine, failed = [], []
            codes = list(state)
            index = 0
            while time.perf_counter() < deadline and not stop.is_set():
                code = codes[index % len(codes)]
                index += 1
                wanted = "suspended" if state[code] == "active" else "active"
                body = json.dumps(
                    {
                        "to_status": wanted,
                        "markets": [MARKET],
                        "reason": "Benchmark",
                        "source": "other",
                    }
                )
                start = time.perf_counter()
                conn.request("POST", f"/api/v1/area-codes/{code}/status-changes/", body, headers)
                response = conn.getresponse()
                content = response.read()
                mine.append(time.perf_counter() - start)
                if response.status == 201:
                    state[code] = wanted
                else:
                    failed.append(f"{response.status} {code}: {content[:200]!r}")
            conn.close()
            with lock:
                latencies.extend(mine)
                failures.extend(failed)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(state,)) for state in self.states]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        watch.stop()
        latencies.sort()
        ok = len(latencies) - len(failures)
        return {
            **watch.result(),
            "seconds": elapsed,
            "changes": ok,
            "per_s": ok / elapsed if elapsed else 0.0,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
            "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
            if latencies
            else 0.0,
            "max_ms": latencies[-1] * 1000 if latencies else 0.0,
            "errors": len(failures),
            "first_error": failures[0] if failures else "",
        }


class LockWatch(threading.Thread):
    """Samples, every 20 ms, how many backends of this database wait on a lock."""

    def __init__(self):
        super().__init__(daemon=True)
        self._stop_event = threading.Event()
        self.samples = self.waiting_samples = self.most_waiting = 0
        self.kinds = collections.Counter()

    def run(self):
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self._stop_event.is_set():
                    cursor.execute(
                        "SELECT wait_event, left(query, 70) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    waits = cursor.fetchall()
                    self.kinds.update(f"{event}: {query}" for event, query in waits)
                    waiting = len(waits)
                    self.samples += 1
                    self.waiting_samples += waiting > 0
                    self.most_waiting = max(self.most_waiting, waiting)
                    self._stop_event.wait(0.02)
        finally:
            connection.close()

    def stop(self):
        self._stop_event.set()
        self.join(10)

    def result(self) -> dict:
        return {
            "lock_samples": self.samples,
            "lock_waiting_samples": self.waiting_samples,
            "lock_most_waiting": self.most_waiting,
            "lock_waits_seen": dict(self.kinds.most_common(4)),
        }


# --- The import (its own process) ------------------------------------------------------------


def start_import(rows: int, prefix: str, transactions: str) -> subprocess.Popen:
    """Start the import in a process of its own; it prints ``writing`` after its first row.
    ``transactions``: ``one`` for all rows (the admin's import), ``rows`` for one per row."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.writes", "import", str(rows), prefix, transactions],
        cwd=ROOT,
        env={**os.environ, "PGAPPNAME": IMPORT_APP_NAME},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def import_csv(rows: int, prefix: str) -> str:
    from registry.models import Cooperative

    coops = list(Cooperative.objects.order_by("id").values_list("tax_code", "commune_id")[:500])
    lines = [f"code,kind,crop,cooperative,area_ha,households,commune,issued_on,status_{MARKET}"]
    for i in range(1, rows + 1):
        tax_code, commune = coops[i % len(coops)]
        lines.append(
            f"VN-{prefix}OR-{i:04d},export,longan,{tax_code},12.5,{10 + i % 40},{commune},"
            "2026-01-15,active"
        )
    return "\n".join(lines) + "\n"


def run_import(rows: int, prefix: str, transactions: str) -> dict:
    """Import ``rows`` new area codes as the worker applies a confirmed import
    (``registry.import_jobs.apply``): the batched engine, at the worker's lower CPU priority
    (``IMPORT_WORKER_NICE``) and pace (``IMPORT_WORKER_SHARE``), all rows in one transaction
    (``transactions="one"``); or, for the control run, each batch in its own transaction."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from registry.import_engine import Engine, Pacer, Summary
    from registry.imports import CSV, RESOURCES, read_rows
    from registry.models import AreaCode

    os.nice(settings.IMPORT_WORKER_NICE)
    announced = []

    def progress(done, errors):
        if not announced:
            announced.append(done)
            print("writing", flush=True)

    user = get_user_model().objects.get(username="bench-writer")
    pacer = Pacer()  # as in the worker: it gives way while the status changes run
    engine = Engine(RESOURCES[AreaCode](), user, progress, pacer)
    header, lines = read_rows(import_csv(rows, prefix), CSV())
    started = time.perf_counter()
    cpu = time.process_time()
    if transactions == "one":
        summary = engine.apply(header, lines)
    else:
        summary = Summary()
        engine.resource.prepare_import(engine.headers_keys(header))
        for batch in engine.batches(header, lines):
            with transaction.atomic():
                engine.validate(batch)
                engine.summarise(batch, summary)
                engine.write(batch, summary)
            progress(summary.rows, 0)
            pacer()
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "paused_seconds": pacer.paused,
        "totals": summary.counts,
        "errors": [p["message"] for p in summary.problems[:5]],
    }


# --- The scenario ----------------------------------------------------------------------------


def window_with_import(
    clients: StatusClients, seconds: float, rows: int, prefix: str, transactions: str, finish: bool
) -> tuple[dict, dict]:
    """Status changes while an import runs: from its first written row, for ``seconds`` or
    until it ends. Then the import is left to finish (``finish``) or stopped."""
    importer = start_import(rows, prefix, transactions)
    watchdog = threading.Timer(IMPORT_TIMEOUT_S, importer.kill)  # bounded even if it hangs
    watchdog.start()
    first = importer.stdout.readline().strip()
    watchdog.cancel()
    if first != "writing":
        importer.kill()
        out, err = importer.communicate()
        raise RuntimeError(f"import did not start writing: {first}{out}{err[-2000:]}")
    done = threading.Event()
    outcome: dict = {}

    def wait_import():
        try:
            out, err = importer.communicate(timeout=IMPORT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            importer.kill()
            out, err = importer.communicate()
        outcome.update(stdout=out, stderr=err, returncode=importer.returncode)
        done.set()

    waiter = threading.Thread(target=wait_import)
    waiter.start()
    during = clients.run(seconds, stop=done)
    if not finish and importer.poll() is None:
        importer.kill()
    waiter.join()
    if not finish:
        wait_for_rollback()
        return during, {"stopped": outcome["returncode"] != 0}
    if outcome["returncode"] != 0:
        raise RuntimeError(f"import failed: {outcome['stderr'][-3000:]}")
    summary = json.loads(outcome["stdout"].strip().splitlines()[-1])
    summary["window_covered"] = during["seconds"] / seconds
    return during, summary


def wait_for_rollback(limit_s: float = 60) -> None:
    """Until the stopped import's backend has gone (and so rolled back)."""
    from django.db import connection

    deadline = time.monotonic() + limit_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [IMPORT_APP_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def measure(port: int, seconds: float, import_rows: int, repeat: int = 1) -> dict:
    """Status changes alone and while an import's one transaction is open, ``repeat``
    alternating pairs, then alone once more, then during the control import."""
    from registry.models import AreaCode

    clients = StatusClients(port, writer_token(), writer_pools())
    clients.run(1)  # warm up: connections, caches
    alones, durings, ratios, imported = [clients.run(seconds)], [], [], {}
    for index in range(repeat):
        last = index == repeat - 1
        prefix = f"Z{chr(ord('A') + index)}"  # distinct codes: a stopped import may linger
        during, summary = window_with_import(
            clients, seconds, import_rows, prefix, "one", finish=last
        )
        durings.append(during)
        alones.append(clients.run(seconds))
        reference = (alones[-2]["per_s"] + alones[-1]["per_s"]) / 2
        ratios.append(during["per_s"] / reference if reference else 0.0)
        if last:
            imported = summary
            imported["committed"] = AreaCode.objects.filter(
                code__startswith=f"VN-{prefix}OR-"
            ).count()
    control, _ = window_with_import(clients, seconds, import_rows, "YZ", "rows", finish=False)
    alone_rate = median([run["per_s"] for run in alones])
    return {
        "clients": len(clients.states),
        "seconds": seconds,
        "pairs": repeat,
        "alone": summarise(alones),
        "during_import": summarise(durings),
        "alone_runs": alones,
        "during_import_runs": durings,
        "ratios": ratios,
        "during_control": control,
        "import": imported,
        "ratio": median(ratios),
        "control_ratio": control["per_s"] / alone_rate if alone_rate else 0.0,
    }


def median(values):
    return statistics.median(values) if values else 0.0


def summarise(runs: list[dict]) -> dict:
    """Medians of the runs' figures; errors, lock-wait samples and the longest wait summed or
    maximised over them."""
    summary = {
        key: median([run[key] for run in runs])
        for key in ("seconds", "changes", "per_s", "p50_ms", "p99_ms")
    }
    summary["max_ms"] = max(run["max_ms"] for run in runs)
    for key in ("errors", "lock_samples", "lock_waiting_samples"):
        summary[key] = sum(run[key] for run in runs)
    summary["lock_most_waiting"] = max(run["lock_most_waiting"] for run in runs)
    seen = collections.Counter()
    for run in runs:
        seen.update(run["lock_waits_seen"])
    summary["lock_waits_seen"] = dict(seen.most_common(4))
    summary["first_error"] = next((run["first_error"] for run in runs if run["errors"]), "")
    return summary


if __name__ == "__main__":
    if sys.argv[1:2] == ["import"]:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(run_import(int(sys.argv[2]), sys.argv[3], sys.argv[4])), flush=True)
