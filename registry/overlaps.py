"""What ``manage.py recompute_overlaps`` does: the overlap pairs written again from the
boundaries as stored and the threshold as set now.

A saved boundary records its own pairs (``registry.rules.boundaries.record_overlaps``), so the
table follows the boundaries; but changing ``OVERLAP_MIN_HA`` changes no boundary, and pairs
written under the old threshold stay until the command is run. It asks the same rule as a save
(``boundaries.overlaps_with``) once per pair, from the code with the smaller id (the pair's
``first``), and changes only the rows that differ: a run right after another changes nothing,
and a pair still found keeps its ``found_at``.

It works in batches of codes by id, each its own transaction, so that a save waits at most one
batch. Each batch decides the pairs whose ``first`` lies in its range of ids. **Locks, in
order** (PostgreSQL): the batch first locks the pairs table in SHARE ROW EXCLUSIVE mode (which
waits for, and then holds off, any transaction writing pairs: a boundary being saved, another
run), then reads the boundaries (no row locks) and writes its pairs. A save locks its code's row
first, then writes pairs, so it waits for the batch to commit and then writes its own pairs
again from its new boundary: whichever comes second is right. The batch never waits for a code's
row (its foreign-key checks take KEY SHARE, which an ordinary update does not block), so the two
cannot wait for each other. SQLite lets one writer in at a time, which is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from shapely.geometry import shape

from registry.models import AreaCode, BoundaryOverlap
from registry.rules import boundaries

BATCH_SIZE = 200
#: ids per DELETE (raising the threshold can remove many pairs in one batch)
DELETE_CHUNK = 500
#: areas are stored to 4 places; the same intersection measured from either side can differ
#: in the last one, which is no change
AREA_TOLERANCE = Decimal("0.0001")


@dataclass
class RecomputeSummary:
    codes: int = 0  # codes with a boundary read
    added: int = 0
    removed: int = 0
    updated: int = 0  # pairs kept whose stored area differed (a boundary written without save)
    pairs: int = 0  # pairs stored after the run

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated)


def recompute_overlaps(batch_size: int = BATCH_SIZE, *, dry_run: bool = False) -> RecomputeSummary:
    """Bring every stored pair in line with the boundaries and ``OVERLAP_MIN_HA``. With
    ``dry_run`` nothing is written and the summary says what a run would change."""
    summary = RecomputeSummary()
    with_boundary = AreaCode.objects.filter(boundary_min_lon__isnull=False).order_by("pk")
    ids = list(with_boundary.values_list("pk", flat=True))
    # The last batch has no upper end, so that pairs of codes after the last one with a
    # boundary (left by writes that bypassed the save, say) go too.
    ranges = [
        (ids[start - 1] if start else None, ids[start + batch_size - 1])
        for start in range(0, len(ids) - batch_size, batch_size)
    ]
    ranges.append((ranges[-1][1] if ranges else None, None))
    for after, up_to in ranges:
        _recompute_batch(after, up_to, summary, dry_run)
    summary.pairs = BoundaryOverlap.objects.count() + (
        (summary.added - summary.removed) if dry_run else 0
    )
    return summary


def _in_range(field: str, after: int | None, up_to: int | None) -> dict:
    bounds = {}
    if after is not None:
        bounds[f"{field}__gt"] = after
    if up_to is not None:
        bounds[f"{field}__lte"] = up_to
    return bounds


def _recompute_batch(after, up_to, summary: RecomputeSummary, dry_run: bool) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql" and not dry_run:
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(BoundaryOverlap._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        codes = (
            AreaCode.objects.filter(boundary_min_lon__isnull=False, **_in_range("pk", after, up_to))
            .order_by("pk")
            .values_list(
                "pk",
                "boundary",
                "boundary_min_lon",
                "boundary_min_lat",
                "boundary_max_lon",
                "boundary_max_lat",
            )
        )
        wanted: dict[tuple[int, int], Decimal] = {}
        for pk, boundary, *bounds in codes:
            summary.codes += 1
            later = AreaCode.objects.filter(pk__gt=pk)
            for overlap in boundaries.overlaps_with(shape(boundary), bounds, among=later):
                wanted[(pk, overlap.code_id)] = overlap.area_ha
        stored = {
            (pair.first_id, pair.second_id): pair
            for pair in BoundaryOverlap.objects.filter(**_in_range("first_id", after, up_to))
        }
        removed = [pair.pk for key, pair in stored.items() if key not in wanted]
        added = [
            BoundaryOverlap(first_id=first, second_id=second, area_ha=area)
            for (first, second), area in wanted.items()
            if (first, second) not in stored
        ]
        updated = []
        for key, pair in stored.items():
            if key in wanted and abs(pair.area_ha - wanted[key]) > AREA_TOLERANCE:
                pair.area_ha = wanted[key]
                updated.append(pair)
        summary.removed += len(removed)
        summary.added += len(added)
        summary.updated += len(updated)
        if dry_run:
            return
        for start in range(0, len(removed), DELETE_CHUNK):
            BoundaryOverlap.objects.filter(pk__in=removed[start : start + DELETE_CHUNK]).delete()
        BoundaryOverlap.objects.bulk_create(added)
        BoundaryOverlap.objects.bulk_update(updated, ["area_ha"])
