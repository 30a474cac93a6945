"""HTTP load on loopback: wrk when installed, else a small threaded Python client.

Every run is bounded in time and sends requests only to 127.0.0.1.
"""

import json
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from http.client import HTTPConnection

WRK_SCRIPT = """
paths = {}
for line in io.lines("%(paths_file)s") do paths[#paths + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d, "non_2xx": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def run(port: int, paths: list[str], seconds: float, connections: int = 8) -> dict:
    """Requests per second, p50 and p99 latency (ms) for GETs of ``paths`` in random order."""
    if shutil.which("wrk"):
        return _wrk(port, paths, seconds, connections)
    return _python(port, paths, seconds, connections)


def _wrk(port, paths, seconds, connections):
    with tempfile.TemporaryDirectory() as folder:
        paths_file = f"{folder}/paths.txt"
        with open(paths_file, "w") as out:
            out.write("\n".join(paths) + "\n")
        script = f"{folder}/script.lua"
        with open(script, "w") as out:
            out.write(WRK_SCRIPT % {"paths_file": paths_file})
        result = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                script,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return {
        "tool": "wrk",
        "requests": data["requests"],
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "errors": data["errors"] + data["non_2xx"],
    }


def _python(port, paths, seconds, connections):
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(seed):
        rng = random.Random(seed)
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", rng.choice(paths))
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            failed += response.status >= 400
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "tool": "python",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0,
        "errors": errors[0],
    }
