"""The JSON of growing-area codes and packing houses, built from plain rows.

Look-ups and lists of codes are the registry's hot path, so they skip model instances and
nested serializers. Rows are ``values()`` dicts carrying the related fields under their
joined names (``crop__slug``...):

- a detail reads them in one joined query (prepared once per connection, planned once);
- a list page reads its own columns, then each relation with one simple query for the whole
  page (``complete``): cheaper to plan than a seven-table join with a varying OFFSET.

Market statuses come with one more query, the code's inspections (the latest listed, all
of them for its supervision state) with one more, and its growers' count and total plot area
(never their names) with one more. The output is exactly that of the declarative
``AreaCodeSerializer`` / ``PackingHouseSerializer``, which document the schema;
``tests/test_api.py`` checks that they agree.
"""

from collections import defaultdict

from rest_framework.fields import DateTimeField

from registry import reference
from registry.api.prepared import PreparedLookup
from registry.api.serializers import INSPECTIONS_SHOWN
from registry.filter_fields import REFERENCE_MODELS
from registry.models import (
    AreaCodeMarket,
    Commune,
    Cooperative,
    Crop,
    Inspection,
    PackingHouseMarket,
    VietGAPCertificate,
)
from registry.rules import boundaries, dates, growers, supervision

_datetime = DateTimeField()

PLACE = (
    "commune__name",
    "commune__province__code",
    "commune__province__name",
    "commune__province__division_type",
)


def _text(value):
    return None if value is None else str(value)


def _date(value):
    return None if value is None else value.isoformat()


def _fill(rows, fk: str, relation: str, model, fields: tuple[str, ...], key="id") -> None:
    """Copy ``fields`` of each row's related record into the row as ``relation__field``.
    Reference tables (crops, communes) come from memory, others with one query."""
    if model in REFERENCE_MODELS:
        related = reference.table(
            f"rows:{model._meta.label}:{','.join(fields)}",
            lambda: {r[key]: r for r in model.objects.values(key, *fields)},
        )
    else:
        ids = {row[fk] for row in rows if row[fk] is not None}
        related = {
            r[key]: r for r in model.objects.filter(**{f"{key}__in": ids}).values(key, *fields)
        }
    for row in rows:
        found = related.get(row[fk], {})
        for field in fields:
            row[f"{relation}__{field}"] = found.get(field)


def _place(row) -> dict:
    return {
        "province": {
            "code": row["commune__province__code"],
            "name": row["commune__province__name"],
            "division_type": row["commune__province__division_type"],
        },
        "commune": {"code": row["commune_id"], "name": row["commune__name"]},
        "legacy_location": row["legacy_location"],
    }


STATUS_FIELDS = ("subject_id", "market__code", "status", "since", "reason")


def _status_lookup(status_model) -> PreparedLookup:
    return PreparedLookup(
        lambda: status_model.objects.order_by("market__code").values(*STATUS_FIELDS),
        "subject_id",
    )


def _markets(status_model, rows, prepared: PreparedLookup) -> dict[int, list]:
    if len(rows) == 1:  # a detail: the same prepared query every time
        statuses = prepared.rows(rows[0]["id"])
    else:
        statuses = (
            status_model.objects.filter(subject_id__in=[r["id"] for r in rows])
            .order_by("market__code")
            .values(*STATUS_FIELDS)
        )
    markets = defaultdict(list)
    for status in statuses:
        markets[status["subject_id"]].append(
            {
                "market": status["market__code"],
                "status": status["status"],
                "since": status["since"].isoformat(),
                "reason": status["reason"],
            }
        )
    return markets


def _cooperative(row) -> dict | None:
    if row["cooperative_id"] is None:
        return None
    return {"tax_code": row["cooperative__tax_code"], "name": row["cooperative__name"]}


INSPECTION_FIELDS = ("area_code_id", "id", "inspected_on", "kind", "result")


def _inspection_lookup() -> PreparedLookup:
    return PreparedLookup(
        lambda: Inspection.objects.order_by("-inspected_on", "-id").values(*INSPECTION_FIELDS),
        "area_code_id",
    )


def _inspections(rows, prepared: PreparedLookup) -> dict[int, list]:
    """Each code's inspections, newest first."""
    if len(rows) == 1:
        found = prepared.rows(rows[0]["id"])
    else:
        found = (
            Inspection.objects.filter(area_code_id__in=[r["id"] for r in rows])
            .order_by("-inspected_on", "-id")
            .values(*INSPECTION_FIELDS)
        )
    inspections = defaultdict(list)
    for inspection in found:
        inspections[inspection["area_code_id"]].append(inspection)
    return inspections


def _supervision(inspections: list[dict], markets: list[dict]) -> dict:
    end = supervision.monitored_until(
        [(i["inspected_on"], i["kind"]) for i in inspections],
        supervision.supervised_markets((m["market"], m["status"]) for m in markets),
    )
    return {
        "state": supervision.state_from_end(end),
        "monitored_until": _date(end),
    }


def _latest_inspections(inspections: list[dict]) -> list[dict]:
    return [
        {
            "id": i["id"],
            "inspected_on": i["inspected_on"].isoformat(),
            "kind": i["kind"],
            "result": i["result"],
        }
        for i in inspections[:INSPECTIONS_SHOWN]
    ]


class AreaCodes:
    fields = (
        "id",
        "code",
        "kind",
        "crop_id",
        "variety",
        "cooperative_id",
        "certificate_id",
        "area_ha",
        "measured_area_ha",
        "households",
        "average_yield_tonnes",
        "commune_id",
        "legacy_location",
        "latitude",
        "longitude",
        "boundary",
        "issued_on",
        "updated_at",
    )
    crop = ("slug", "name_vi", "name_en", "scientific_name")
    cooperative = ("tax_code", "name")
    certificate = ("number", "issued_on", "expires_on", "revoked_on", "body__code", "body__name")
    joined = (
        *(f"crop__{f}" for f in crop),
        *(f"cooperative__{f}" for f in cooperative),
        *(f"certificate__{f}" for f in certificate),
        *PLACE,
    )

    @classmethod
    def complete(cls, rows: list[dict]) -> list[dict]:
        _fill(rows, "crop_id", "crop", Crop, cls.crop)
        _fill(rows, "cooperative_id", "cooperative", Cooperative, cls.cooperative)
        _fill(rows, "certificate_id", "certificate", VietGAPCertificate, cls.certificate)
        _fill(rows, "commune_id", "commune", Commune, PLACE_FIELDS, key="code")
        return rows

    statuses = _status_lookup(AreaCodeMarket)
    inspections = _inspection_lookup()

    @classmethod
    def render(cls, rows: list[dict]) -> list[dict]:
        markets = _markets(AreaCodeMarket, rows, cls.statuses) if rows else {}
        inspections = _inspections(rows, cls.inspections) if rows else {}
        counts = growers.totals(row["id"] for row in rows) if rows else {}
        return [
            {
                "code": row["code"],
                "kind": row["kind"],
                "crop": {
                    "id": row["crop_id"],
                    "slug": row["crop__slug"],
                    "name_vi": row["crop__name_vi"],
                    "name_en": row["crop__name_en"],
                    "scientific_name": row["crop__scientific_name"],
                },
                "variety": row["variety"],
                "cooperative": _cooperative(row),
                "certificate": _certificate(row),
                "area_ha": _text(row["area_ha"]),
                "measured_area_ha": _text(row["measured_area_ha"]),
                "area_mismatch": boundaries.area_mismatch(row["measured_area_ha"], row["area_ha"]),
                "households": row["households"],
                "average_yield_tonnes": _text(row["average_yield_tonnes"]),
                "place": _place(row),
                "latitude": _text(row["latitude"]),
                "longitude": _text(row["longitude"]),
                "boundary": row["boundary"],
                "issued_on": _date(row["issued_on"]),
                "markets": markets.get(row["id"], []),
                "supervision": _supervision(
                    inspections.get(row["id"], []), markets.get(row["id"], [])
                ),
                "inspections": _latest_inspections(inspections.get(row["id"], [])),
                "growers": _grower_counts(counts.get(row["id"])),
                "updated_at": _datetime.to_representation(row["updated_at"]),
            }
            for row in rows
        ]


def _grower_counts(found) -> dict:
    """How many households farm the code and their plots' total: never who they are."""
    count, area = found or (0, None)
    return {"count": count, "total_plot_area_ha": _text(area) if count else None}


PLACE_FIELDS = tuple(field.removeprefix("commune__") for field in PLACE)


def _certificate(row) -> dict | None:
    if row["certificate_id"] is None:
        return None
    return {
        "id": row["certificate_id"],
        "number": row["certificate__number"],
        "body": {"code": row["certificate__body__code"], "name": row["certificate__body__name"]},
        "issued_on": _date(row["certificate__issued_on"]),
        "expires_on": _date(row["certificate__expires_on"]),
        "revoked_on": _date(row["certificate__revoked_on"]),
        "validity": dates.validity_of(
            row["certificate__issued_on"],
            row["certificate__expires_on"],
            row["certificate__revoked_on"],
        ),
    }


class PackingHouses:
    fields = (
        "id",
        "code",
        "name",
        "operator",
        "address",
        "cooperative_id",
        "commune_id",
        "legacy_location",
        "latitude",
        "longitude",
        "issued_on",
        "updated_at",
    )
    cooperative = ("tax_code", "name")
    joined = (*(f"cooperative__{f}" for f in cooperative), *PLACE)

    @classmethod
    def complete(cls, rows: list[dict]) -> list[dict]:
        _fill(rows, "cooperative_id", "cooperative", Cooperative, cls.cooperative)
        _fill(rows, "commune_id", "commune", Commune, PLACE_FIELDS, key="code")
        return rows

    statuses = _status_lookup(PackingHouseMarket)

    @classmethod
    def render(cls, rows: list[dict]) -> list[dict]:
        markets = _markets(PackingHouseMarket, rows, cls.statuses) if rows else {}
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "operator": row["operator"],
                "address": row["address"],
                "cooperative": _cooperative(row),
                "place": _place(row),
                "latitude": _text(row["latitude"]),
                "longitude": _text(row["longitude"]),
                "issued_on": _date(row["issued_on"]),
                "markets": markets.get(row["id"], []),
                "updated_at": _datetime.to_representation(row["updated_at"]),
            }
            for row in rows
        ]
