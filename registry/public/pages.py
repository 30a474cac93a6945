"""What a code's public page shows, read with prepared queries (registry/api/prepared.py):
the code and its relations in one joined query, its statuses, its timeline and its
inspections in one each, the markets from memory (registry/reference.py)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language, gettext

from registry import reference
from registry.api.prepared import PreparedLookup
from registry.choices import (
    CertificateValidity,
    ChangeSource,
    CodeStatus,
    InspectionKind,
    SupervisionState,
    Verdict,
)
from registry.imports import IMPORT_REASON
from registry.keys import DashlessCode, dashless_code, normalise_code
from registry.models import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    Inspection,
    Market,
    PackingHouse,
    PackingHouseMarket,
    PackingHouseSource,
    PackingHouseStatusChange,
)
from registry.rules import dates, packing, supervision, verdicts

PLACE = ("commune_id", "commune__name", "commune__province__name", "legacy_location")
AREA_CODE_FIELDS = (
    "id",
    "code",
    "kind",
    "variety",
    "area_ha",
    "households",
    "issued_on",
    "crop__slug",
    "crop__name_vi",
    "crop__name_en",
    "crop__scientific_name",
    "cooperative__tax_code",
    "cooperative__name",
    "certificate_id",
    "certificate__number",
    "certificate__issued_on",
    "certificate__expires_on",
    "certificate__revoked_on",
    "certificate__body__name",
    *PLACE,
)
PACKING_HOUSE_FIELDS = (
    "id",
    "code",
    "name",
    "operator",
    "address",
    "issued_on",
    "cooperative__tax_code",
    "cooperative__name",
    *PLACE,
)
TIMELINE_FIELDS = (
    "subject_id",
    "market__code",
    "from_status",
    "to_status",
    "effective_on",
    "reason",
    "source",
    "reference",
    "recorded_by_id",
)


def _prepared(model, fields, key="code"):
    return PreparedLookup(lambda: model.objects.order_by().values(*fields), key)


def _statuses(model):
    return PreparedLookup(
        lambda: model.objects.values("subject_id", "market_id", "status", "since"), "subject_id"
    )


def _timeline(model):
    return PreparedLookup(
        lambda: model.objects.order_by("-effective_on", "-id").values(*TIMELINE_FIELDS),
        "subject_id",
    )


def _inspections(field):
    return PreparedLookup(
        lambda: Inspection.objects.order_by("-inspected_on", "-id").values(
            field, "inspected_on", "kind", "result"
        ),
        field,
    )


class Subject:
    """How one kind of code is read for its page."""

    def __init__(self, model, fields, status_model, change_model, inspection_field):
        self.model = model
        self.row = _prepared(model, fields)
        self.statuses = _statuses(status_model)
        self.timeline = _timeline(change_model)
        self.inspections = _inspections(f"{inspection_field}_id")
        self.inspection_field = f"{inspection_field}_id"


AREA_CODES = Subject(AreaCode, AREA_CODE_FIELDS, AreaCodeMarket, AreaCodeStatusChange, "area_code")
PACKING_HOUSES = Subject(
    PackingHouse,
    PACKING_HOUSE_FIELDS,
    PackingHouseMarket,
    PackingHouseStatusChange,
    "packing_house",
)


def canonical_code(model, raw: str) -> str | None:
    """The stored code a person meant: any case, any dashes (``vnslor0001`` finds
    ``VN-SLOR-0001``); None when no code or more than one matches. The exact key is tried
    first; a miss compares the codes without their dashes, from the index on that expression
    (``*_dashless_idx``)."""
    wanted = normalise_code(raw)
    if model.objects.filter(code=wanted).exists():
        return wanted
    bare = dashless_code(raw)
    if not bare:
        return None
    matches = list(dashless_matches(model, bare).values_list("code", flat=True)[:2])
    return matches[0] if len(matches) == 1 else None


def dashless_matches(model, bare: str) -> QuerySet:
    """The codes that read ``bare`` without their dashes. Compares ``DashlessCode``, the very
    expression the index holds, and orders nothing: an ``ORDER BY code`` could lead the
    planner to walk the code's own index instead."""
    return model.objects.alias(bare=DashlessCode("code")).filter(bare=bare).order_by()


def markets() -> dict:
    return reference.table(
        "public:markets",
        lambda: {
            m["id"]: m
            for m in Market.objects.order_by("code").values("id", "code", "name_vi", "name_en")
        },
    )


def local_name(vi: str, en: str) -> str:
    """A crop's or market's name in the reader's language: the registry holds Vietnamese and
    English names; Chinese readers get the English one."""
    return vi if (get_language() or "vi").startswith("vi") else en


def shown_reason(reason: str) -> str:
    """Reasons people wrote are shown as written; the one the registry writes itself (an
    import's) is translated."""
    return gettext(reason) if reason == IMPORT_REASON else reason


def verdict_rows(statuses: list[dict], certificate, on: date, every_market: dict) -> list[dict]:
    by_market = {s["market_id"]: s for s in statuses}
    rows = []
    for market_id, market in every_market.items():
        status = by_market.get(market_id)
        verdict = verdicts.verdict_for(status and status["status"], certificate, on)
        rows.append(
            {
                "market": market["code"],
                "market_name": local_name(market["name_vi"], market["name_en"]),
                "verdict": verdict,
                "verdict_label": Verdict(verdict).label,
                "since": status and status["since"],
            }
        )
    # Markets the code holds first, then the rest (not registered), each by code.
    rows.sort(key=lambda r: (r["verdict"] == Verdict.NOT_REGISTERED, r["market"]))
    return rows


def timeline_rows(changes: list[dict]) -> list[dict]:
    automatic = gettext("the registry (automatic)")
    return [
        {
            "effective_on": c["effective_on"],
            "market": c["market__code"],
            "from_status": CodeStatus(c["from_status"]).label if c["from_status"] else "",
            "to_status": CodeStatus(c["to_status"]).label,
            "to_status_key": c["to_status"],
            "reason": shown_reason(c["reason"]),
            "source": ChangeSource(c["source"]).label,
            "reference": c["reference"],
            "office": settings.REGISTRY_OFFICE_NAME if c["recorded_by_id"] else automatic,
        }
        for c in changes
    ]


def packing_houses_of(area_code_id: int, on: date) -> list[dict]:
    """The packing houses linked to a growing-area code on ``on``, each with the markets of its
    links in force, by code (one query)."""
    links = (
        PackingHouseSource.objects.filter(packing.link_in_force_q(on), area_code_id=area_code_id)
        .order_by("packing_house__code", "market__code")
        .values_list("packing_house__code", "packing_house__name", "market__code")
    )
    houses: dict[str, dict] = {}
    for code, name, market in links:
        houses.setdefault(code, {"code": code, "name": name, "markets": []})["markets"].append(
            market
        )
    return list(houses.values())


def page_context(subject: Subject, code: str, on: date) -> dict | None:
    """Everything the page shows, or None for an unknown code."""
    found = subject.row.rows(code)
    if not found:
        return None
    row = found[0]
    statuses = subject.statuses.rows(row["id"])
    inspections = subject.inspections.rows(row["id"])
    certificate = None
    if row.get("certificate_id"):
        certificate = (
            row["certificate__issued_on"],
            row["certificate__expires_on"],
            row["certificate__revoked_on"],
        )
    every_market = markets()
    status_codes = {m["id"]: m["code"] for m in every_market.values()}
    end = supervision.monitored_until(
        [(i["inspected_on"], i["kind"]) for i in inspections],
        supervision.supervised_markets(
            (status_codes.get(s["market_id"]), s["status"]) for s in statuses
        ),
    )
    state = supervision.state_from_end(end, on)
    rows = verdict_rows(statuses, certificate, on, every_market)
    context = {
        "row": row,
        "today": on,
        "verdicts": rows,
        "revoked_everywhere": bool(statuses)
        and all(s["status"] == CodeStatus.REVOKED for s in statuses),
        "timeline": timeline_rows(subject.timeline.rows(row["id"])),
        "supervision": {
            "state": state,
            "label": SupervisionState(state).label,
            "until": end,
            "last": inspections[0]["inspected_on"] if inspections else None,
            "last_kind": InspectionKind(inspections[0]["kind"]).label if inspections else "",
        },
        # Packing houses a growing-area code may ship through, per market, today (links in
        # force; each house's own validity is on its page). None for a packing house's page.
        "packing_houses": packing_houses_of(row["id"], on) if subject is AREA_CODES else None,
    }
    if "crop__slug" in row:
        context["crop_name"] = local_name(row["crop__name_vi"], row["crop__name_en"])
    if certificate is not None:
        validity = dates.validity_of(*certificate, on)
        context["certificate_validity"] = validity
        context["certificate_validity_label"] = CertificateValidity(validity).label
    return context
