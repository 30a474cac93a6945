"""Health checks for the container orchestrator, and what a request answers when the database
is down.

- ``/healthz``: the process answers (liveness). No database, no cache.
- ``/readyz``: the database answers, every migration is applied, the cache answers (readiness).
  200 or 503, JSON, naming each part and what failed.
- While the database is unreachable, a request that needs it gets a 503: JSON under ``/api/``,
  a plain page elsewhere (the admin), instead of a bare 500.
"""

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return f"unreachable: {type(error).__name__}"
    if pending:
        return f"{len(pending)} migration(s) not applied"
    return None


def _cache(alias: str) -> str | None:
    try:
        cache = caches[alias]
        cache.set("registry:readyz", "ok", 5)
        if cache.get("registry:readyz") != "ok":
            return "does not keep values"
    except Exception as error:
        return f"unreachable: {type(error).__name__}"
    return None


@never_cache
@require_GET
def readyz(request):
    from django.conf import settings

    problems = {"database": _database()}
    for alias in settings.CACHES:
        problems[f"cache:{alias}"] = _cache(alias)
    failing = {part: problem for part, problem in problems.items() if problem}
    checks = {part: problem or "ok" for part, problem in problems.items()}
    return JsonResponse(
        {"status": "unavailable" if failing else "ok", "checks": checks},
        status=503 if failing else 200,
    )


class DatabaseUnavailableMiddleware:
    """A 503 that says the database is unavailable, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        message = _("The registry's database is unavailable. Try again in a few minutes.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response
