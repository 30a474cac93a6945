"""An inspection's events in the change feed: which markets they carry, and when they are
recorded (``registry.changes`` writes them).

**Markets.** An inspection's event is one ``ChangeEvent`` per market it concerns, with
``market_code`` set, as a status change for several markets is one event per market; so the
feed's ``market`` filter, the Atom feed and the subscriptions' matching (webhooks, digests)
treat it as any other event. The markets it concerns are its own or, when it names none
("every market of the code", as the proposed suspension reads it), the markets its code or
packing house still has when the event is recorded: active or suspended, not revoked, as
supervision counts them (``registry.rules.supervision.supervised_markets``). A subject with no
such market gives one event with no market (``""``), which every ``market`` filter passes, as
a new code's event does.

**Kinds.** ``inspection_result`` for a new inspection (payload: ``result``,
``inspection_kind``, ``reference``); ``inspection_change`` when its result, kind, date or
markets change (payload: ``from_``/``to_`` of each, as a status change has ``from_status``/
``to_status``), one event per market it concerned before or concerns now, so a watcher of a
market it no longer concerns hears of it too; ``inspection_deletion`` (the admin lets
Administrators delete one), with the deleted inspection's result. Nothing else about an
inspection is in the feed (findings, inspectors, record number, samples, files): changing
only those records nothing.

**When.** The markets are a many-to-many, written after the row (by the admin's form, the
API's serializer, the import, or code that calls ``inspection.markets.set``), so saving an
inspection only marks it *pending* (as do markets about to change on a saved one); its event
is recorded, in the same transaction, by the first of:

1. ``record_inspection(inspection)``, which the admin (``save_related``), the API's serializer
   and the sample data call once the markets are written, whether there are any or none;
2. the ``m2m_changed`` signal once markets are added to that same instance (``set``,
   ``add``);
3. failing both, the commit (``transaction.on_commit``): then in a transaction of its own,
   just after. In autocommit the save was its own transaction, so that is at once, with the
   markets the inspection has then: code that creates an inspection and then sets its markets
   does both in one ``transaction.atomic()``, as every writer here does.

The spreadsheet import writes in bulk, without signals: ``InspectionResource.record_feed``
calls ``record_inspections`` and ``record_inspection_changes`` with the markets it wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from django.db import transaction

from registry import changes
from registry.choices import ChangeKind
from registry.models import AreaCode, ChangeEvent, Inspection, PackingHouse
from registry.rules.queries import status_models
from registry.rules.supervision import supervised_markets

#: What the feed shows of an inspection besides its subject and markets.
SHOWN = ("result", "kind", "inspected_on")


def shown(values: Mapping) -> dict:
    """What the feed shows of an inspection (``SHOWN``), as the payloads write it, from its
    field values (an instance's ``__dict__``, the import's ``row.original``)."""
    found = {name: values.get(name) for name in SHOWN}
    if found["inspected_on"] is not None:
        found["inspected_on"] = str(found["inspected_on"])
    return found


def _subject(inspection: Inspection) -> tuple[type, int]:
    if inspection.area_code_id:
        return (AreaCode, inspection.area_code_id)
    return (PackingHouse, inspection.packing_house_id)


# --- Which markets ---------------------------------------------------------------------------


def own_markets(inspections: Sequence[Inspection]) -> dict[int, list[str]]:
    """Each inspection's own market codes, sorted: prefetched ones as they are, the others in
    one query."""
    found, missing = {}, []
    for inspection in inspections:
        cached = getattr(inspection, "_prefetched_objects_cache", {}).get("markets")
        if cached is None:
            missing.append(inspection.pk)
        found[inspection.pk] = [] if cached is None else sorted(m.code for m in cached)
    if missing:
        links = Inspection.markets.through.objects.filter(inspection_id__in=missing)
        for pk, code in links.order_by("market__code").values_list("inspection_id", "market__code"):
            found[pk].append(code)
    return found


def _held_markets(inspections: Iterable[Inspection]) -> dict[tuple, list[str]]:
    """The markets each inspection's subject still has (one query per kind of subject)."""
    subjects: dict[type, set[int]] = {}
    for inspection in inspections:
        model, pk = _subject(inspection)
        subjects.setdefault(model, set()).add(pk)
    held = {}
    for model, pks in subjects.items():
        current_model, _history = status_models(model)
        statuses: dict[int, list] = {pk: [] for pk in pks}
        rows = current_model.objects.filter(subject_id__in=pks)
        for subject, market, status in rows.values_list("subject_id", "market__code", "status"):
            statuses[subject].append((market, status))
        for pk, pairs in statuses.items():
            held[(model, pk)] = sorted(supervised_markets(pairs))
    return held


def concerned(
    inspections: Sequence[Inspection], owns: Sequence[Mapping[int, list[str]]]
) -> list[dict[int, list[str]]]:
    """For each mapping of own market codes (by inspection pk), the markets each inspection
    concerns: its own; none: its subject's (``_held_markets``); none either: ``[""]``."""
    bare = [i for i in inspections if any(not own.get(i.pk) for own in owns)]
    held = _held_markets(bare) if bare else {}
    return [
        {i.pk: sorted(own.get(i.pk) or held.get(_subject(i)) or [""]) for i in inspections}
        for own in owns
    ]


# --- Recording -------------------------------------------------------------------------------


def _record(inspections, kind: str, payloads: dict, markets: dict) -> list[ChangeEvent]:
    """One event per inspection and market, with its subject's keys (one query per kind of
    subject), in the current transaction."""
    by_model: dict[type, set[int]] = {}
    for inspection in inspections:
        model, pk = _subject(inspection)
        by_model.setdefault(model, set()).add(pk)
    keys = {model: changes.keys_by_pk(model, pks) for model, pks in by_model.items()}
    events = []
    for inspection in inspections:
        model, subject_pk = _subject(inspection)
        for market_code in markets[inspection.pk]:
            events.append(
                ChangeEvent(
                    kind=kind,
                    subject_type=changes.SUBJECT_KEYS[model][0],
                    market_code=market_code,
                    effective_on=inspection.inspected_on,
                    payload=payloads[inspection.pk],
                    **keys[model][subject_pk],
                )
            )
    return changes.record(events)


def _as_is(inspection: Inspection) -> dict:
    return {
        "result": inspection.result,
        "inspection_kind": inspection.kind,
        "reference": inspection.reference,
    }


def record_inspections(
    inspections: Sequence[Inspection], markets: Mapping[int, list[str]] | None = None
) -> list[ChangeEvent]:
    """``inspection_result`` events of new inspections; ``markets``: their own market codes
    when the caller knows them (otherwise read)."""
    if not inspections:
        return []
    own = own_markets(inspections) if markets is None else markets
    [where] = concerned(inspections, [own])
    payloads = {inspection.pk: _as_is(inspection) for inspection in inspections}
    return _record(inspections, ChangeKind.INSPECTION_RESULT, payloads, where)


def record_inspection_changes(
    changed: Sequence[tuple[Inspection, dict, list[str]]],
    markets: Mapping[int, list[str]] | None = None,
) -> list[ChangeEvent]:
    """``inspection_change`` events, from ``(inspection as saved, shown(before), own market
    codes before)``; ``markets``: their own market codes now, when the caller knows them.
    Those whose result, kind, date and markets are all as before record nothing."""
    if not changed:
        return []
    now = own_markets([i for i, _b, _m in changed]) if markets is None else markets
    kept = [
        (inspection, before, sorted(was))
        for inspection, before, was in changed
        if before != shown(inspection.__dict__) or sorted(was) != sorted(now[inspection.pk])
    ]
    if not kept:
        return []
    inspections = [inspection for inspection, _b, _m in kept]
    then_concerned, now_concerned = concerned(
        inspections, [{i.pk: was for i, _b, was in kept}, now]
    )
    payloads, where = {}, {}
    for inspection, before, was in kept:
        after = shown(inspection.__dict__)
        payloads[inspection.pk] = {
            "from_result": before["result"],
            "to_result": after["result"],
            "from_inspection_kind": before["kind"],
            "to_inspection_kind": after["kind"],
            "from_inspected_on": before["inspected_on"],
            "to_inspected_on": after["inspected_on"],
            "from_markets": was,
            "to_markets": sorted(now[inspection.pk]),
            "reference": inspection.reference,
        }
        both = set(then_concerned[inspection.pk]) | set(now_concerned[inspection.pk])
        where[inspection.pk] = sorted(both - {""}) or [""]
    return _record(inspections, ChangeKind.INSPECTION_CHANGE, payloads, where)


def record_deletion(inspection: Inspection) -> list[ChangeEvent]:
    """``inspection_deletion``: read while its markets still exist."""
    [where] = concerned([inspection], [own_markets([inspection])])
    return _record(
        [inspection], ChangeKind.INSPECTION_DELETION, {inspection.pk: _as_is(inspection)}, where
    )


# --- When: pending until the markets are written ---------------------------------------------


def record_inspection(inspection: Inspection) -> list[ChangeEvent]:
    """Record the inspection's pending event, now that its markets are written (nothing
    pending, or nothing the feed shows changed: nothing)."""
    pending = inspection.__dict__.pop("_feed_pending", None)
    if pending is None:
        return []
    if pending["created"]:
        return record_inspections([inspection])
    return record_inspection_changes([(inspection, pending["before"], pending["markets"])])


def _record_at_commit(inspection: Inspection, using: str) -> None:
    if "_feed_pending" in inspection.__dict__:
        with transaction.atomic(using=using):
            record_inspection(inspection)


def _pend(inspection: Inspection, created: bool, using: str) -> None:
    """Mark ``inspection`` pending (once; its state before is what it was when first marked)
    and make sure the commit records it if nothing else does."""
    if "_feed_pending" not in inspection.__dict__:
        inspection._feed_pending = {
            "created": created,
            "before": inspection.__dict__.get("_feed_shown"),
            "markets": None if created else own_markets([inspection])[inspection.pk],
        }
    transaction.on_commit(partial(_record_at_commit, inspection, using), using=using)


def remember_shown(sender, instance, **kwargs) -> None:
    """``post_init``: what the feed shows of an inspection loaded from the database (read
    again before saving when some of it was deferred, ``before_save``)."""
    if instance.pk is not None and all(name in instance.__dict__ for name in SHOWN):
        instance._feed_shown = shown(instance.__dict__)


def before_save(sender, instance, raw: bool = False, using=None, **kwargs) -> None:
    """``pre_save``: a saved inspection loaded without what the feed shows reads it now."""
    if raw or instance._state.adding or "_feed_shown" in instance.__dict__:
        return
    row = Inspection.objects.using(using).filter(pk=instance.pk).values(*SHOWN).first()
    instance._feed_shown = shown(row or {})


def after_save(sender, instance, created: bool, raw: bool = False, using=None, **kwargs):
    """``post_save``: the inspection's event is pending."""
    if raw:
        return
    _pend(instance, created, using)
    instance._feed_shown = shown(instance.__dict__)


def markets_changed(sender, instance, action: str, reverse: bool, using=None, **kwargs):
    """``m2m_changed`` of ``Inspection.markets``: markets about to change on a saved
    inspection make it pending; markets added record its pending event."""
    if reverse or not isinstance(instance, Inspection):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        _pend(instance, created=False, using=using)
    elif action == "post_add":
        record_inspection(instance)


def before_delete(sender, instance, **kwargs) -> None:
    """``pre_delete``: the deletion's event, in the deleting transaction (an inspection
    created and deleted before its event was recorded records nothing)."""
    pending = instance.__dict__.pop("_feed_pending", None)
    if not (pending and pending["created"]):
        record_deletion(instance)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_init, post_save, pre_delete, pre_save

    post_init.connect(remember_shown, sender=Inspection)
    pre_save.connect(before_save, sender=Inspection)
    post_save.connect(after_save, sender=Inspection)
    m2m_changed.connect(markets_changed, sender=Inspection.markets.through)
    pre_delete.connect(before_delete, sender=Inspection)
