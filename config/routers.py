"""Reads from a PostgreSQL streaming replica, when one is configured (DATABASE_REPLICA_URL).

Only what cannot write and need not be fresh to the millisecond goes there: GET, HEAD and
OPTIONS requests to the API (``ReplicaReadsMiddleware`` marks them). Writes, the admin, commands
and anything inside a transaction read and write the primary, so a transaction always sees its
own writes. The data version replicates with the data, so answers cached for a replica's state
are exact for that state (``registry.data_version.current`` reads the version where the data is
read).
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES and settings.REGISTRY_REPLICA_READS


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and replica_enabled()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks the API's read-only requests as readable from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS and request.path.startswith("/api/"):
            token = _reading_from_replica.set(True)
            try:
                return self.get_response(request)
            finally:
                _reading_from_replica.reset(token)
        return self.get_response(request)
