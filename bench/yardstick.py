"""Yardsticks: minimal hand-written Django views over the same data, with the naive query
a developer would write first. The registry's own endpoints are measured against these."""

from django.http import Http404, HttpResponse, JsonResponse
from django.template import engines

from registry.models import AreaCode, AreaCodeMarket

FIELDS = (
    "code",
    "kind",
    "crop__slug",
    "crop__name_vi",
    "cooperative__tax_code",
    "cooperative__name",
    "commune_id",
    "commune__name",
    "commune__province__name",
    "legacy_location",
    "area_ha",
    "issued_on",
    "updated_at",
)


def lookup(request, code):
    row = AreaCode.objects.filter(code=code.upper()).values("pk", *FIELDS).first()
    if row is None:
        raise Http404
    row["markets"] = list(
        AreaCodeMarket.objects.filter(subject_id=row.pop("pk")).values(
            "market__code", "status", "since", "reason"
        )
    )
    return JsonResponse(row)


def filtered_list(request):
    queryset = (
        AreaCode.objects.filter(
            market_statuses__market__code__in=request.GET.getlist("market"),
            crop__slug__in=request.GET.getlist("crop"),
        )
        .distinct()
        .order_by("code")
    )
    offset = int(request.GET.get("offset", 0))
    return JsonResponse(
        {
            "count": queryset.count(),
            "results": list(queryset.values(*FIELDS)[offset : offset + 50]),
        }
    )


CODE_PAGE = engines["django"].from_string(
    """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ code.code }}</title>
<link rel="stylesheet" href="/static/registry/public/public.css"></head><body><main>
<h1>{{ code.code }}</h1>
<ul>{% for s in statuses %}<li>{{ s.market.code }} {{ s.market.name_vi }}: {{ s.get_status_display }}
 ({{ s.since|date:"Y-m-d" }})</li>{% endfor %}</ul>
<dl><dt>Cây trồng</dt><dd>{{ code.crop.name_vi }} {{ code.variety }}</dd>
<dt>Diện tích</dt><dd>{{ code.area_ha }} ha</dd>
<dt>Xã</dt><dd>{{ code.commune.name }}</dd><dt>Tỉnh</dt><dd>{{ code.commune.province.name }}</dd>
<dt>HTX</dt><dd>{{ code.cooperative.name }} ({{ code.cooperative.tax_code }})</dd>
<dt>VietGAP</dt><dd>{% if code.certificate %}{{ code.certificate.number }},
 {{ code.certificate.body.name }}, {{ code.certificate.expires_on|date:"Y-m-d" }}{% endif %}</dd></dl>
<ol>{% for c in changes %}<li>{{ c.effective_on|date:"Y-m-d" }} {{ c.market.code }}:
 {{ c.get_from_status_display }} → {{ c.get_to_status_display }}, {{ c.get_source_display }},
 {{ c.reason }} {{ c.reference }}</li>{% endfor %}</ol>
</main></body></html>"""
)


def code_page(request, code):
    """The public code page as a first version would write it: the ORM with select_related,
    the statuses and the timeline, one template, no cache."""
    found = (
        AreaCode.objects.select_related(
            "crop", "cooperative", "commune__province", "certificate__body"
        )
        .filter(code=code.upper())
        .first()
    )
    if found is None:
        raise Http404
    context = {
        "code": found,
        "statuses": list(found.market_statuses.select_related("market")),
        "changes": list(found.status_changes.select_related("market").order_by("-effective_on")),
    }
    return HttpResponse(CODE_PAGE.render(context, request))
