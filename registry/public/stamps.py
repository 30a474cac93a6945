"""A code page's validator: what changes exactly when the page would.

One indexed query reads, for one code, the newest ``updated_at`` of the code, its status rows,
its cooperative, crop, certificate (and its body), inspections, packing-house links (and those
houses) and the markets (every market has a line on the page), and the number of its
inspections and links (a deleted one moves no timestamp). Changing another code moves none of these. The day is part of the ETag (verdicts
are for today), and ``Last-Modified`` is never before today's midnight: the page changed then.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db.models import Count, DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from registry.api.prepared import PreparedLookup
from registry.models import AreaCode, Inspection, Market, PackingHouse, PackingHouseSource
from registry.rules.queries import status_models

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _newest(queryset, field: str = "updated_at"):
    return Coalesce(
        Subquery(queryset.order_by(f"-{field}").values(field)[:1]),
        Value(EPOCH),
        output_field=DateTimeField(),
    )


def _count(queryset, field: str):
    return Coalesce(
        Subquery(queryset.order_by().values(field).annotate(n=Count("id")).values("n")),
        Value(0),
    )


def _stamp_query(model, relations: tuple[str, ...], inspection_field: str):
    current_model, _history = status_models(model)
    inspections = Inspection.objects.filter(**{inspection_field: OuterRef("pk")})
    newest = [
        "updated_at",
        *(Coalesce(f"{relation}__updated_at", Value(EPOCH)) for relation in relations),
        _newest(current_model.objects.filter(subject=OuterRef("pk"))),
        _newest(inspections),
        _newest(Market.objects.all()),
    ]
    # a growing-area code's page lists its packing houses (their links, and their names)
    links = PackingHouseSource.objects.filter(area_code=OuterRef("pk"))
    if model is AreaCode:
        newest += [
            _newest(links),
            _newest(PackingHouse.objects.filter(sources__area_code=OuterRef("pk"))),
        ]
    return (
        model.objects.annotate(
            changed_at=Greatest(*newest, output_field=DateTimeField()),
            # a deleted inspection or link moves no timestamp: their numbers do
            inspection_count=_count(inspections, inspection_field),
            link_count=_count(links, "area_code") if model is AreaCode else Value(0),
        )
        .order_by()
        .values("id", "code", "changed_at", "inspection_count", "link_count")
    )


AREA_CODE_STAMP = PreparedLookup(
    lambda: _stamp_query(
        AreaCode, ("cooperative", "crop", "certificate", "certificate__body"), "area_code"
    ),
    "code",
)
PACKING_HOUSE_STAMP = PreparedLookup(
    lambda: _stamp_query(PackingHouse, ("cooperative",), "packing_house"), "code"
)


@dataclass(frozen=True)
class Stamp:
    id: int
    code: str
    changed_at: datetime
    inspection_count: int
    link_count: int

    def last_modified(self, day: date) -> datetime:
        midnight = timezone.make_aware(datetime.combine(day, time.min))
        return max(self.changed_at, midnight)

    def etag(self, day: date, language: str) -> str:
        parts = (
            f"{self.id}|{self.changed_at.isoformat()}|{self.inspection_count}|{self.link_count}"
            f"|{day}|{language}"
        )
        return hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()


def read(lookup: PreparedLookup, code: str) -> Stamp | None:
    rows = lookup.rows(code)
    return Stamp(**rows[0]) if rows else None
