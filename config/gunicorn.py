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
# Behind a reverse proxy (nginx speaks HTTP/1.0 upstream by default) connections are not
# kept alive; set GUNICORN_KEEPALIVE (seconds) when clients connect directly.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The app logs one line per request itself (config.request_log, with the request id), so
# gunicorn's access log is off unless GUNICORN_ACCESSLOG names a file (or "-").
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None


def post_worker_init(worker):
    """Once the application is loaded: move its objects out of the garbage collector's
    reach (they live as long as the worker), so full collections stop walking hundreds of
    thousands of module-level objects and pausing every thread for tens of milliseconds."""
    import gc

    gc.collect()
    gc.freeze()
