"""The change feed: what is recorded, and how a client reads it in commit order.

**Recording.** ``record_status_changes``, ``record_created`` and ``record_certificate_expiry``
write ``ChangeEvent`` rows inside the caller's transaction (the status-change service, the
signals on new codes, the spreadsheet import, ``expire_records``; an inspection's events, which
wait for its markets: ``registry.inspection_feed``), and hand
them to the webhooks' fan-out (``registry.webhooks.enqueue``), which defers its job in the same
transaction. A constant number of queries per call, however many events.

**Reading in commit order.** Ids come from a sequence in the order rows are *inserted*, not
committed: a transaction that inserted id 7 can commit after one that inserted id 8, and a
client that had already read 8 would never see 7. So on PostgreSQL each event records its
transaction's id (``txid``), and the feed serves only events whose transaction is below a
horizon under which every transaction of this database has ended (``horizon``; inside a
transaction, the snapshot's ``pg_snapshot_xmin``, over the whole server), and every
transaction that has not started writing yet will get a higher id. The set of served events
therefore only grows at its end, and ``(txid, id)`` is a position that a client can resume
from without missing or repeating an event. The price: an event waits until every
transaction that was writing when it committed has ended (a long import delays the feed,
not the data). On SQLite writes are serialised, so the id alone is commit order.

A cursor is an opaque string for a position; ``current_cursor()`` is the position after the
last event served now (the open-data snapshot records it).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence

from django.db import connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from registry.choices import ChangeKind, ChangeSubject, CodeStatus
from registry.models import AreaCode, ChangeEvent, PackingHouse, VietGAPCertificate

#: the position before every event
START = (0, 0)

SUBJECT_KEYS = {
    AreaCode: (
        ChangeSubject.AREA_CODE,
        {
            "province_code": "commune__province__code",
            "crop_slug": "crop__slug",
            "cooperative_tax_code": "cooperative__tax_code",
        },
    ),
    PackingHouse: (
        ChangeSubject.PACKING_HOUSE,
        {
            "province_code": "commune__province__code",
            "cooperative_tax_code": "cooperative__tax_code",
        },
    ),
}


class CurrentTransactionId(models.Func):
    """The writing transaction's id on PostgreSQL (assigning one if need be); NULL elsewhere."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra):
        return "pg_current_xact_id()::text::bigint", []


# --- Recording -------------------------------------------------------------------------------


def record(events: Sequence[ChangeEvent]) -> list[ChangeEvent]:
    """Insert ``events`` in the current transaction and enqueue their webhooks. The returned
    events have their ids; their ``txid`` is set by the database and not read back."""
    if not events:
        return []
    for event in events:
        event.txid = CurrentTransactionId()
    created = ChangeEvent.objects.bulk_create(events)
    from registry import webhooks

    webhooks.enqueue(created)
    return created


def keys_by_pk(model, pks: Iterable[int]) -> dict[int, dict]:
    """The natural keys each subject's events carry, for many subjects in one query."""
    _subject_type, paths = SUBJECT_KEYS[model]
    rows = model._default_manager.filter(pk__in=set(pks)).values("pk", "code", *paths.values())
    return {
        row["pk"]: {"subject_code": row["code"]}
        | {name: row[path] or "" for name, path in paths.items()}
        for row in rows
    }


def record_status_changes(subject_model, entries: Sequence) -> list[ChangeEvent]:
    """One event per status-history entry (``change_status``/``change_statuses``)."""
    if not entries:
        return []
    keys = keys_by_pk(subject_model, (entry.subject_id for entry in entries))
    subject_type = SUBJECT_KEYS[subject_model][0]
    return record(
        [
            ChangeEvent(
                kind=ChangeKind.REVOCATION
                if entry.to_status == CodeStatus.REVOKED
                else ChangeKind.STATUS_CHANGE,
                subject_type=subject_type,
                market_code=entry.market.code,
                effective_on=entry.effective_on,
                payload={
                    "from_status": entry.from_status,
                    "to_status": entry.to_status,
                    "source": entry.source,
                    "reference": entry.reference,
                },
                **keys[entry.subject_id],
            )
            for entry in entries
        ]
    )


def record_created(model, instances: Sequence[models.Model]) -> list[ChangeEvent]:
    """Events for new codes (area codes, packing houses); other models record nothing here
    (an inspection's events, which carry its markets: ``registry.inspection_feed``)."""
    if not instances:
        return []
    if model in SUBJECT_KEYS:
        keys = keys_by_pk(model, (instance.pk for instance in instances))
        subject_type = SUBJECT_KEYS[model][0]
        return record(
            [
                ChangeEvent(
                    kind=ChangeKind.NEW_CODE,
                    subject_type=subject_type,
                    effective_on=instance.issued_on,
                    payload={"code_kind": getattr(instance, "kind", "")},
                    **keys[instance.pk],
                )
                for instance in instances
            ]
        )
    return []


def record_certificate_expiry(certificate: VietGAPCertificate) -> list[ChangeEvent]:
    """The expiry of a VietGAP certificate (``expire_records``); the suspensions it causes
    are status changes of their own."""
    row = (
        VietGAPCertificate.objects.filter(pk=certificate.pk)
        .values("number", "crop__slug", "cooperative__tax_code", "commune__province__code")
        .get()
    )
    return record(
        [
            ChangeEvent(
                kind=ChangeKind.CERTIFICATE_EXPIRY,
                subject_type=ChangeSubject.CERTIFICATE,
                subject_code=row["number"],
                province_code=row["commune__province__code"] or "",
                crop_slug=row["crop__slug"] or "",
                cooperative_tax_code=row["cooperative__tax_code"] or "",
                effective_on=certificate.expires_on,
                payload={"certificate": row["number"], "expired_on": certificate.expires_on},
            )
        ]
    )


def record_boundary_change(code: AreaCode) -> list[ChangeEvent]:
    """A growing-area code's boundary drawn, redrawn or removed (``registry.rules.boundaries``
    calls it on the save that changed it); the event carries the new measured area."""
    from registry.rules import dates

    keys = keys_by_pk(AreaCode, [code.pk])
    area = code.measured_area_ha
    return record(
        [
            ChangeEvent(
                kind=ChangeKind.BOUNDARY_CHANGE,
                subject_type=ChangeSubject.AREA_CODE,
                effective_on=dates.today(),
                payload={
                    "has_boundary": code.boundary is not None,
                    "measured_area_ha": str(area) if area is not None else None,
                },
                **keys[code.pk],
            )
        ]
    )


def record_on_create(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """``post_save`` receiver (connected in ``RegistryConfig.ready``) for codes saved one at
    a time: the admin, the API, the sample data. Bulk writers call ``record_created``.
    Inspections have receivers of their own (``registry.inspection_feed``)."""
    if created and not raw:
        record_created(sender, [instance])


RECORDED_ON_CREATE = (AreaCode, PackingHouse)


def connect_signals() -> None:
    """Connect the receivers that record events (``RegistryConfig.ready``)."""
    from django.db.models.signals import post_save

    from registry import inspection_feed

    for model in RECORDED_ON_CREATE:
        post_save.connect(record_on_create, sender=model)
    inspection_feed.connect_signals()


# --- Reading ---------------------------------------------------------------------------------


class BadCursor(ValueError):
    """A cursor this registry did not write."""


def encode_cursor(position: tuple[int, int]) -> str:
    raw = f"{position[0]}.{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        txid, event_id = raw.split(".")
        position = (int(txid), int(event_id))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(cursor) from exc
    if min(position) < 0 or not all(part.isdigit() for part in raw.split(".")):
        raise BadCursor(cursor)
    return position


def position_of(event: ChangeEvent) -> tuple[int, int]:
    return (event.txid or 0, event.pk)


HORIZON_SQL = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
       (SELECT array_agg(backend_xid::text::bigint) FROM pg_stat_activity
        WHERE datname = current_database() AND backend_xid IS NOT NULL)
"""


def horizon(using: str = "default") -> int | None:
    """The transaction id below which every transaction *of this database* has ended: the
    oldest one still writing here, or the next id to be assigned.

    One statement, run before the feed's own: its snapshot (hence the next id) is taken before
    it reads the running transactions, so a transaction that starts writing in between gets
    an id above the horizon; one that ends in between is visible to the feed's later
    statement. Only in autocommit (a statement, a snapshot): inside a transaction, whose
    snapshot may be older, ``None`` (then the snapshot's own horizon, over the whole server,
    is used)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(HORIZON_SQL)
        next_id, running = cursor.fetchone()
    # backend_xid is a 32-bit xid: place it in the epoch of next_id (it is below next_id)
    oldest = next_id
    for xid in running or []:
        full = (next_id & ~0xFFFFFFFF) | xid
        if full >= next_id:
            full -= 1 << 32
        oldest = min(oldest, full)
    return oldest


def served(using: str = "default") -> models.QuerySet:
    """The events every client may see now, in commit order (PostgreSQL: only those whose
    transaction is below every transaction of this database still open, ``horizon``).
    Always on the primary: a replica's transactions are its own."""
    events = ChangeEvent.objects.using(using).order_by("txid", "id")
    if connections[using].vendor == "postgresql":
        limit = horizon(using)
        if limit is None:
            limit = RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])
        events = events.filter(txid__lt=limit)
    return events


def after(events: models.QuerySet, position: tuple[int, int]) -> models.QuerySet:
    txid, event_id = position
    if connections[events.db].vendor == "postgresql":
        return events.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=event_id))
    return events.filter(id__gt=event_id)


def as_dict(event: ChangeEvent) -> dict:
    """An event as the API lists it and as webhooks and digests send it."""
    return {
        "id": event.pk,
        "cursor": encode_cursor(position_of(event)),
        "kind": event.kind,
        "subject_type": event.subject_type,
        "subject": event.subject_code,
        "market": event.market_code,
        "province": event.province_code,
        "crop": event.crop_slug,
        "cooperative": event.cooperative_tax_code,
        "effective_on": event.effective_on.isoformat(),
        "recorded_at": event.recorded_at.isoformat().replace("+00:00", "Z"),
        "details": event.payload,
    }


def current_cursor(using: str = "default") -> str:
    """The cursor after the last event served now: a client starting from it gets every
    event committed later (the open-data snapshot records it)."""
    last = served(using).order_by("-txid", "-id").only("id", "txid").first()
    return encode_cursor(position_of(last) if last else START)
