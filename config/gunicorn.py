"""gunicorn settings, shared by docker-compose and the benchmarks.

Threaded workers (gthread): a long CSV download occupies one thread, not a whole worker, so
other requests keep being served while it streams.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = int(os.environ.get("WEB_TIMEOUT", "300"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None


def post_worker_init(worker):
    """A thread returning from the database waits for the GIL up to the switch interval
    (5 ms by default); a list request makes several round trips, so that wait is most of
    its tail latency under load. A shorter interval hands the GIL back sooner."""
    import sys

    sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL", "0.0005")))
