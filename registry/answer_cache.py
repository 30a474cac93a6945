"""Answers kept under the data version: exact, and served again without a query.

A list page's rows and a filtered count are most of the cost of an API list at national scale.
Each is cached under the current data version (``registry.data_version``) *and* the SQL that
produces it, so a cached answer is used only while no writing transaction has committed since,
and two requests share an entry exactly when they would run the same query: parameters that
the FilterSet ignores or spells differently make no new entry. What the answer also depends on
outside the SQL (today's date, for certificate validity) goes into the key by the caller.

Only results are cached, never links: ``next``/``previous`` are built for each request, for its
own scheme and host. Entries live in the ``answers`` cache (settings.CACHES), bounded in bytes.
"""

import hashlib

from django.core.cache import caches

from registry import data_version

TIMEOUT = 600
ALIAS = "answers"


def _key(kind: str, version: int, parts) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"registry:{kind}:{version}:{digest}"


def cached(key_parts, compute, using: str | None = None):
    """``compute()``, cached under the current data version (PostgreSQL), else just computed.
    ``key_parts`` must name everything the answer depends on."""
    version = data_version.current(using)
    if version is None:
        return compute()
    cache = caches[ALIAS]
    key = _key("answer", version, key_parts)
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, TIMEOUT)
    return answer


def query_key(queryset) -> tuple:
    """What identifies a query's answer: its SQL and parameters."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return (sql, params)


def count(queryset) -> int:
    """``queryset.count()``, cached under the data version and the count's own query."""
    return cached(("count", query_key(queryset)), queryset.count, using=queryset.db)
