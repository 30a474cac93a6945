"""Exact counts for paginated lists, without re-counting unchanged data.

Counting a filtered list (``COUNT(*)`` over codes joined to their market statuses) is most of
the cost of a list page at national scale. On PostgreSQL every write to a registry table bumps
a data version (migration 0005); a count is cached under the SQL of the count query *and* the
version read before counting, so a cached count is only used while no write has happened since.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import connections

TIMEOUT = 600

# Within one API request the version is read once (see ``one_version``).
_pinned: ContextVar[dict | None] = ContextVar("registry_data_version", default=None)


def data_version(using: str = "default") -> int | None:
    pinned = _pinned.get()
    if pinned is not None and using in pinned:
        return pinned[using]
    connection = connections[using]
    if connection.vendor != "postgresql":
        version = None
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version FROM registry_data_version WHERE id = 1")
            version = cursor.fetchone()[0]
    if pinned is not None:
        pinned[using] = version
    return version


@contextmanager
def one_version():
    """Read the data version at most once in this block (one API request): its cached counts
    and reference tables then all belong to the same state of the data."""
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def cached(key_parts, compute):
    """``compute()``, cached under the current data version (PostgreSQL), else just computed.
    ``key_parts`` must name everything else the answer depends on."""
    version = data_version()
    if version is None:
        return compute()
    digest = hashlib.sha256(repr(key_parts).encode()).hexdigest()
    key = f"registry:answer:{version}:{digest}"
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, TIMEOUT)
    return answer


def count(queryset) -> int:
    version = data_version(queryset.db)
    if version is None:
        return queryset.count()
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    key = f"registry:count:{version}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = queryset.count()
        cache.set(key, cached, TIMEOUT)
    return cached
