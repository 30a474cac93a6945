"""Boundaries measured against the declared area and against each other.

- **Area mismatch**: a code whose measured area differs from its declared area by more than
  ``AREA_MISMATCH_SHARE`` of the declared area (default 15%) is flagged. One rule, in a Python
  form (``area_mismatch``) and a SQL form (``area_mismatch_q``), held together by
  ``tests/test_boundaries.py``. The share is read when asked, so changing the setting needs no
  recomputation. A code without a boundary is neither flagged nor cleared (``None``).
- **Overlaps**: when a code's boundary is saved, every other code whose boundary shares more
  than ``OVERLAP_MIN_HA`` with it (default 0.05 ha, measured on the ellipsoid) is recorded as a
  ``BoundaryOverlap`` pair, and the code's old pairs are removed. Candidates are narrowed in
  SQL by bounding box through an index (``near_q``); the geometry test runs only on those.
  A changed threshold applies to pairs written afterwards; ``manage.py recompute_overlaps``
  (``registry.overlaps``) writes every pair again under it, asking the same ``overlaps_with``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import shapely
from django.conf import settings
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Abs
from django.db.models.lookups import GreaterThan
from django.db.models.signals import post_save
from django.dispatch import receiver
from shapely.geometry import shape

from registry.models import AreaCode, BoundaryOverlap
from registry.rules.geometry import geodesic_area_ha

FOUR_PLACES = Decimal("0.0001")


# --- Area mismatch --------------------------------------------------------------------------


def mismatch_share() -> Decimal:
    return Decimal(str(settings.AREA_MISMATCH_SHARE))


def area_mismatch(measured_ha: Decimal | None, declared_ha: Decimal | None) -> bool | None:
    """Whether the measured area is off the declared one by more than the set share;
    ``None`` without a boundary (nothing measured)."""
    if measured_ha is None or declared_ha is None:
        return None
    return abs(Decimal(measured_ha) - Decimal(declared_ha)) > mismatch_share() * Decimal(
        declared_ha
    )


def area_mismatch_q(flagged: bool) -> Q:
    """The same rule in SQL: codes flagged (``True``) or measured and within the share."""
    share = Value(mismatch_share(), output_field=DecimalField(max_digits=12, decimal_places=6))
    differs = GreaterThan(Abs(F("measured_area_ha") - F("area_ha")), F("area_ha") * share)
    measured = Q(measured_area_ha__isnull=False)
    return measured & (Q(differs) if flagged else ~Q(differs))


# --- Bounding boxes -------------------------------------------------------------------------


def near_q(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Q:
    """Codes whose boundary's bounding box meets the box. Every boundary spans at most
    ``BOUNDARY_MAX_SPAN_DEGREES`` (checked when it is saved), so its west and south edges lie
    within that distance of the box: a range on the index's leading columns, instead of
    "every boundary whose west edge is west of the box's east edge" (half the table)."""
    span = settings.BOUNDARY_MAX_SPAN_DEGREES
    return Q(
        boundary_min_lon__gte=min_lon - span,
        boundary_min_lon__lte=max_lon,
        boundary_min_lat__gte=min_lat - span,
        boundary_min_lat__lte=max_lat,
        boundary_max_lon__gte=min_lon,
        boundary_max_lat__gte=min_lat,
    )


def point_in_box_q(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Q:
    return Q(
        longitude__gte=min_lon,
        longitude__lte=max_lon,
        latitude__gte=min_lat,
        latitude__lte=max_lat,
    )


def in_box_q(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Q:
    """The ``bbox`` filter on area codes: the boundary's bounding box meets the box, or, for a
    code without a boundary, its point lies in it."""
    box = (min_lon, min_lat, max_lon, max_lat)
    return near_q(*box) | (Q(boundary_min_lon__isnull=True) & point_in_box_q(*box))


# --- Overlaps -------------------------------------------------------------------------------


def overlap_minimum_ha() -> Decimal:
    return Decimal(str(settings.OVERLAP_MIN_HA))


@dataclass(frozen=True)
class Overlap:
    code_id: int
    code: str
    area_ha: Decimal


def overlaps_with(geometry, bounds, exclude_ids=(), others=(), among=None) -> list[Overlap]:
    """The codes (already stored, but not ``exclude_ids``; only those of the queryset
    ``among`` when given) and ``others`` (``(id, code, shapely geometry)`` not stored yet,
    e.g. an import's other features) whose boundary shares more than the minimum with
    ``geometry``, largest first. The one test of what an overlap is: a saved boundary, an
    import's preview and ``manage.py recompute_overlaps`` all ask it."""
    stored = AreaCode.objects.all() if among is None else among
    candidates = (
        stored.filter(near_q(*bounds))
        .exclude(pk__in=list(exclude_ids))
        .values_list("pk", "code", "boundary")
    )
    shapes = [(pk, code, shape(boundary)) for pk, code, boundary in candidates]
    shapely.prepare(geometry)
    minimum = overlap_minimum_ha()
    found = []
    for pk, code, other in [*shapes, *others]:
        if not geometry.intersects(other):
            continue
        area = Decimal(str(geodesic_area_ha(geometry.intersection(other)))).quantize(FOUR_PLACES)
        if area > minimum:
            found.append(Overlap(pk, code, area))
    return sorted(found, key=lambda o: (-o.area_ha, o.code))


def record_overlaps(code: AreaCode) -> list[Overlap]:
    """Write ``code``'s overlap pairs again from its boundary as saved."""
    BoundaryOverlap.objects.filter(Q(first=code) | Q(second=code)).delete()
    if code.boundary is None:
        return []
    bounds = (
        code.boundary_min_lon,
        code.boundary_min_lat,
        code.boundary_max_lon,
        code.boundary_max_lat,
    )
    found = overlaps_with(shape(code.boundary), bounds, exclude_ids=[code.pk])
    BoundaryOverlap.objects.bulk_create(
        BoundaryOverlap(
            first_id=min(code.pk, overlap.code_id),
            second_id=max(code.pk, overlap.code_id),
            area_ha=overlap.area_ha,
        )
        for overlap in found
    )
    return found


@receiver(post_save, sender=AreaCode, dispatch_uid="registry.boundaries.overlaps")
def overlaps_after_save(sender, instance: AreaCode, raw=False, **kwargs) -> None:
    """Every write of a boundary (admin, API, import, shell) records its overlaps, and a
    boundary changed on an existing code is an event of the change feed (a new code's is
    part of its ``new_code`` event)."""
    if not raw and getattr(instance, "boundary_was_changed", False):
        record_overlaps(instance)
        if not kwargs.get("created"):
            from registry import changes

            changes.record_boundary_change(instance)


def overlapping_q() -> Q:
    """Codes in at least one overlap pair."""
    return Q(Exists(BoundaryOverlap.objects.filter(first=OuterRef("pk")))) | Q(
        Exists(BoundaryOverlap.objects.filter(second=OuterRef("pk")))
    )


def overlaps_of(code: AreaCode) -> list[dict]:
    """The code's overlaps, largest first: each the other code's id and code, the shared area
    and when it was found (one query)."""
    pairs = (
        BoundaryOverlap.objects.filter(Q(first=code) | Q(second=code))
        .order_by("-area_ha", "id")
        .values("first_id", "first__code", "second_id", "second__code", "area_ha", "found_at")
    )
    side = {True: "second", False: "first"}
    return [
        {
            "id": pair[f"{side[pair['first_id'] == code.pk]}_id"],
            "code": pair[f"{side[pair['first_id'] == code.pk]}__code"],
            "area_ha": pair["area_ha"],
            "found_at": pair["found_at"],
        }
        for pair in pairs
    ]


def counts() -> dict:
    """For the admin dashboard: codes with a boundary, flagged for their area, in an overlap,
    and the overlap pairs (two queries)."""
    found = AreaCode.objects.aggregate(
        with_boundary=Count("pk", filter=Q(boundary_min_lon__isnull=False)),
        area_mismatch=Count("pk", filter=area_mismatch_q(True)),
        overlapping=Count("pk", filter=overlapping_q()),
    )
    return {**found, "pairs": BoundaryOverlap.objects.count()}
