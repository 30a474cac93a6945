"""Webhooks: each change event that matches a subscription is POSTed to its URL, signed.

1. ``enqueue`` (called by ``registry.changes.record``) defers one ``fan_out`` job for the new
   events *in the transaction that records them*: Procrastinate's Django connector writes the
   job through Django's connection, so a rolled-back change enqueues nothing and a committed
   one is never lost, whatever happens to the worker.
2. ``fan_out`` creates one ``WebhookDelivery`` per matching active subscription with a URL
   and defers one ``deliver`` job each, in one transaction.
3. ``deliver`` POSTs the event (``registry.outbound``: https only, public addresses only,
   short timeout, capped answer). A 2xx answer delivers it; anything else is retried after
   ``WEBHOOK_RETRY_BASE_SECONDS`` × 2^(attempts−1), until ``WEBHOOK_RETRY_FOR_SECONDS``
   (24 hours) after the first attempt, and then the delivery is marked failed.

The signature (``X-Registry-Signature: t=<unix time>,v1=<hex>``) is the HMAC-SHA256, keyed
with the subscription's secret, of ``"<t>.<body>"``: the receiver recomputes it and refuses
an old ``t`` (replays), as Stripe's scheme does.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry import changes, outbound
from registry.models import ChangeEvent, DeliveryStatus, Subscription, WebhookDelivery

SIGNATURE_HEADER = "X-Registry-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def enqueue(events) -> None:
    """Defer the fan-out of ``events`` in the current transaction (PostgreSQL only: on
    SQLite there is no queue, and no webhooks)."""
    if not events or not settings.IMPORTS_IN_BACKGROUND:
        return
    from registry import tasks

    tasks.fan_out.defer(event_ids=[event.pk for event in events])


@transaction.atomic
def fan_out(event_ids: list[int]) -> list[int]:
    """Create the deliveries of these events and defer them; return the deliveries' ids."""
    events = list(ChangeEvent.objects.filter(pk__in=event_ids).order_by("txid", "id"))
    if not events:
        return []
    # a subscription hears of the events recorded after it was made, not of older ones
    subscriptions = list(
        Subscription.objects.filter(active=True, created_at__lte=events[-1].recorded_at).exclude(
            url=""
        )
    )
    done = set(
        WebhookDelivery.objects.filter(event__in=event_ids).values_list("subscription", "event")
    )
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, event=event)
            for event in events
            for subscription in subscriptions
            if (subscription.pk, event.pk) not in done
            and subscription.created_at <= event.recorded_at
            and subscription.matches(event)
        ]
    )
    ids = [delivery.pk for delivery in created]
    defer_deliveries(ids)
    return ids


def defer_deliveries(ids: list[int], delay: float = 0) -> None:
    from registry import tasks

    if not ids:
        return
    task = tasks.deliver.configure(schedule_in={"seconds": delay}) if delay else tasks.deliver
    task.batch_defer(*({"delivery_id": pk} for pk in ids))


def body_of(delivery: WebhookDelivery) -> bytes:
    payload = {"subscription": delivery.subscription_id, "event": changes.as_dict(delivery.event)}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def backoff(attempts: int) -> float:
    return settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def deliver(delivery_id: int) -> str:
    """One attempt; return the delivery's status after it."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription", "event")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:
        return "gone"
    subscription = delivery.subscription
    code, error = None, ""
    if not (subscription.active and subscription.url):
        error = "the subscription no longer has an active webhook"
    else:
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "VungTrongRegistry-Webhooks/1",
            SIGNATURE_HEADER: sign(subscription.secret, int(time.time()), body),
            "X-Registry-Event": delivery.event.kind,
            "X-Registry-Delivery": str(delivery.pk),
        }
        try:
            code = outbound.post(subscription.url, body, headers)
        except outbound.RefusedURL as refused:
            error = str(refused)
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
    return _record_attempt(delivery, code, error[:300])


def _record_attempt(delivery: WebhookDelivery, code: int | None, error: str) -> str:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.error = error
    delay = backoff(delivery.attempts)
    retry_until = delivery.retrying_since + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS)
    with transaction.atomic():
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.DELIVERED,
                now,
                None,
            )
        elif now + timedelta(seconds=delay) > retry_until:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            defer_deliveries([delivery.pk], delay)
        delivery.save()
    return delivery.status


@transaction.atomic
def send_again(deliveries) -> int:
    """The admin's "send again": start each delivery over (a new 24-hour window)."""
    ids = list(deliveries.values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, retrying_since=timezone.now(), next_attempt_at=None
    )
    defer_deliveries(ids)
    return len(ids)
