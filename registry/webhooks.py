"""Webhook fan-out (filled in by the subscriptions feature)."""


def enqueue(events) -> None:
    """Defer the delivery of ``events`` to their subscribers, in the current transaction."""
