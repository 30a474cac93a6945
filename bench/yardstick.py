"""Yardsticks: minimal hand-written Django views over the same data, with the naive query
a developer would write first. The registry's own endpoints are measured against these."""

from django.http import Http404, JsonResponse

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
