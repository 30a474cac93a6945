"""Helpers for Hypothesis tests that touch the database under pytest-django.

pytest-django wraps a test in one transaction, but Hypothesis runs the test body many times
inside it. Each example therefore runs in its own savepoint that is always rolled back
(``one_example``), so rows made by one example never reach the next, and the caches that
outlive a request (rate limits, answers, reference tables) start empty each time.

The pattern used by the property tests: the test function takes ``db``, builds what every
example shares (markets, crops...), then defines and calls an inner ``@given`` function whose
body runs inside ``one_example()``. No function-scoped fixture is passed to ``@given``.
"""

from contextlib import contextmanager

from django.core.cache import caches
from django.db import transaction


def clear_caches() -> None:
    """Empty every cache a request may fill: Django's caches, the registry's reference
    tables and the content types Django keeps per process."""
    from django.contrib.contenttypes.models import ContentType

    from registry import reference

    ContentType.objects.clear_cache()
    for cache in caches.all(initialized_only=False):
        cache.clear()
    reference.clear()


@contextmanager
def one_example():
    """Run one Hypothesis example in a savepoint that is rolled back at its end."""
    clear_caches()
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        clear_caches()
