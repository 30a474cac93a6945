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
import json

from django.core.cache import caches
from django.db import connections

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


def planner_estimate(queryset) -> int:
    """How many rows PostgreSQL's planner expects the query to return: ``EXPLAIN`` only
    plans, so this costs a millisecond whatever the table's size. Only as good as the
    table's statistics (autovacuum's ``ANALYZE``)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    if isinstance(plan, list):  # the driver's list of one plan, or Django's text of its item
        plan = plan[0]
    return int(plan["Plan"]["Plan Rows"])


def count_or_estimate(queryset, exact_up_to: int) -> tuple[int, bool]:
    """``(rows, is_estimate)``: the exact count if it is cached; else, on PostgreSQL, the
    planner's estimate when that is above ``exact_up_to`` (counting a million rows exactly
    takes most of a second); else the exact count, counted and cached as ``count()`` does."""
    using = queryset.db
    version = data_version.current(using)
    key_parts = ("count", query_key(queryset))
    if version is not None:
        exact = caches[ALIAS].get(_key("answer", version, key_parts))
        if exact is not None:
            return exact, False
    if connections[using].vendor == "postgresql":
        estimate = planner_estimate(queryset)
        if estimate > exact_up_to:
            return estimate, True
    exact = queryset.count()
    if version is not None:
        caches[ALIAS].set(_key("answer", version, key_parts), exact, TIMEOUT)
    return exact, False
