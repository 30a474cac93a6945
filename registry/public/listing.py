"""The search page (the API's FilterSet over growing-area codes), the statistics page and the
label sheets."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from registry import answer_cache, reference
from registry.choices import CertificateValidity, CodeStatus
from registry.filtersets import AreaCodeFilterSet
from registry.models import AreaCode, AreaCodeMarket, Crop, Province, VietGAPCertificate
from registry.public import pages, qr
from registry.rules import queries

PAGE_SIZE = 25
#: The search form's fields: the API's filter names (the same FilterSet reads them).
SEARCH_FIELDS = ("q", "market", "crop", "province")
EXPIRING_SHOWN = 20


def page_url(request, url_name: str, code: str) -> str:
    """A page's absolute address: under ``PUBLIC_BASE_URL`` when set (labels printed from the
    admin behind another host name), else this request's own scheme and host."""
    path = reverse(url_name, args=[code])
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


def choices() -> dict:
    """The filters' options: markets, crops and provinces (from memory)."""
    return reference.table(
        "public:choices",
        lambda: {
            "markets": list(pages.markets().values()),
            "crops": list(Crop.objects.order_by("name_vi").values("slug", "name_vi", "name_en")),
            "provinces": list(Province.objects.order_by("name").values("code", "name")),
        },
    )


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def search(request) -> dict:
    data = {
        name: request.GET.get(name, "").strip()
        for name in SEARCH_FIELDS
        if request.GET.get(name, "").strip()
    }
    filterset = AreaCodeFilterSet(data=data, queryset=AreaCode.objects.all())
    options = choices()
    context = {
        "searched": bool(data),
        "values": data,
        "markets": [
            {**m, "label": f"{m['code']} – {pages.local_name(m['name_vi'], m['name_en'])}"}
            for m in options["markets"]
        ],
        "crops": [
            {**c, "label": pages.local_name(c["name_vi"], c["name_en"])} for c in options["crops"]
        ],
        "provinces": options["provinces"],
        "status": 200,
        "rows": [],
    }
    if not filterset.is_valid():
        context["errors"] = {
            name: " ".join(str(e) for e in errors) for name, errors in filterset.errors.items()
        }
        context["status"] = 400
        return context
    if not data:
        return context
    queryset = filterset.qs.order_by("code")
    total = answer_cache.count(queryset)
    pages_count = max(1, -(-total // PAGE_SIZE))
    number = min(_page_number(request.GET.get("page")), pages_count)
    offset = (number - 1) * PAGE_SIZE
    rows = list(
        queryset.values(
            "id",
            "code",
            "crop__name_vi",
            "crop__name_en",
            "cooperative__name",
            "commune__name",
            "commune__province__name",
        )[offset : offset + PAGE_SIZE]
    )
    statuses = defaultdict(list)
    market_codes = {m["id"]: m["code"] for m in options["markets"]}
    for status in AreaCodeMarket.objects.filter(subject_id__in=[r["id"] for r in rows]).values(
        "subject_id", "market_id", "status"
    ):
        statuses[status["subject_id"]].append(
            {
                "market": market_codes.get(status["market_id"], "?"),
                "status": status["status"],
                "label": CodeStatus(status["status"]).label,
            }
        )
    for row in rows:
        row["crop"] = pages.local_name(row["crop__name_vi"], row["crop__name_en"])
        row["statuses"] = sorted(statuses[row["id"]], key=lambda s: s["market"])
    query = "&".join(f"{k}={v}" for k, v in data.items())
    context.update(
        rows=rows,
        total=total,
        page=number,
        pages=pages_count,
        previous_url=f"?{query}&page={number - 1}" if number > 1 else None,
        next_url=f"?{query}&page={number + 1}" if number < pages_count else None,
    )
    return context


def _counts(on: date) -> dict:
    active = AreaCodeMarket.objects.filter(status=CodeStatus.ACTIVE)
    by_market = dict(
        active.order_by()
        .values_list("market_id")
        .annotate(n=Count("id"))
        .values_list("market_id", "n")
    )
    codes = AreaCode.objects.filter(Exists(active.filter(subject=OuterRef("pk"))))
    by_crop = dict(
        codes.order_by().values_list("crop_id").annotate(n=Count("id")).values_list("crop_id", "n")
    )
    by_province = dict(
        codes.order_by()
        .values_list("commune__province_id")
        .annotate(n=Count("id"))
        .values_list("commune__province_id", "n")
    )
    expiring = list(
        VietGAPCertificate.objects.filter(
            queries.certificate_validity_q(CertificateValidity.EXPIRING, on)
        )
        .order_by("expires_on", "number")
        .values("number", "expires_on", "cooperative__name", "crop__name_vi", "crop__name_en")[
            :EXPIRING_SHOWN
        ]
    )
    return {
        "by_market": by_market,
        "by_crop": by_crop,
        "by_province": by_province,
        "expiring": expiring,
    }


def _bars(counts: dict, names: dict) -> list[dict]:
    largest = max(counts.values(), default=0) or 1
    bars = [
        {"name": names.get(key, str(key)), "count": n, "percent": round(100 * n / largest, 1)}
        for key, n in counts.items()
    ]
    return sorted(bars, key=lambda b: (-b["count"], b["name"]))


def statistics(on: date) -> dict:
    counts = answer_cache.cached(("public-stats", on.isoformat()), lambda: _counts(on))
    options = choices()
    market_names = {
        m["id"]: f"{m['code']} – {pages.local_name(m['name_vi'], m['name_en'])}"
        for m in options["markets"]
    }
    crops = {c["id"]: c for c in Crop.objects.values("id", "name_vi", "name_en")}
    crop_names = {k: pages.local_name(c["name_vi"], c["name_en"]) for k, c in crops.items()}
    province_names = {p["code"]: p["name"] for p in options["provinces"]}
    for certificate in counts["expiring"]:
        certificate["crop"] = pages.local_name(
            certificate["crop__name_vi"], certificate["crop__name_en"]
        )
    return {
        "today": on,
        "charts": [
            {
                "id": "by-market",
                "title": gettext("Active codes by market"),
                "bars": _bars(counts["by_market"], market_names),
            },
            {
                "id": "by-crop",
                "title": gettext("Codes active for a market, by crop"),
                "bars": _bars(counts["by_crop"], crop_names),
            },
            {
                "id": "by-province",
                "title": gettext("Codes active for a market, by province"),
                "bars": _bars(counts["by_province"], province_names),
            },
        ],
        "expiring": counts["expiring"],
        "expiring_days": settings.REGISTRY_EXPIRING_WITHIN_DAYS,
    }


def labels(request, codes) -> dict:
    """Printable A6 labels of ``codes`` (a queryset of growing-area codes), at most
    ``PUBLIC_LABELS_MAX``."""
    rows = list(
        codes.order_by("code").values(
            "code", "cooperative__name", "crop__name_vi", "crop__name_en"
        )[: settings.PUBLIC_LABELS_MAX]
    )
    for row in rows:
        row["url"] = page_url(request, "public:code", row["code"])
        row["crop"] = f"{row['crop__name_vi']} / {row['crop__name_en']}"
        row["qr"] = mark_safe(  # segno's SVG; qr.svg escapes the caption
            qr.svg(row["url"], row["code"], row["code"]).decode()
        )
    return {"labels": rows, "limit": settings.PUBLIC_LABELS_MAX}
