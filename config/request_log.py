"""One log line per request, and a request id that a user can quote.

Each request gets an id (the ``X-Request-ID`` a proxy sent, when it looks like one, else a new
one), answered in the ``X-Request-ID`` header and in the body of every JSON error under
``/api/``, so that a user's report can be found in the logs. The line: method, path, status,
duration in milliseconds, request id (logger ``registry.requests``).
"""

import json
import logging
import re
import time
import uuid

logger = logging.getLogger("registry.requests")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_of(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.id = request_id_of(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        if response.status_code >= 400 and request.path.startswith("/api/"):
            _add_request_id(response, request.id)
        logger.info(
            "%s %s %s %.1fms %s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            request.id,
        )
        return response


def _add_request_id(response, request_id: str) -> None:
    if response.streaming or not response.get("Content-Type", "").startswith("application/json"):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if isinstance(body, dict):
        body["request_id"] = request_id
        response.content = json.dumps(body, ensure_ascii=False).encode()
        if response.has_header("Content-Length"):  # set by CommonMiddleware for the old body
            response["Content-Length"] = str(len(response.content))
