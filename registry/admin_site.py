"""The admin site (outside the admin package, which registers models on it): its index
shows the registry at a glance."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from registry.models import AreaCodeMarket, CertificateValidity, CodeStatus, Market
from registry.rules import boundaries, capacity, dates, queries, supervision


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Vùng Trồng Registry")
    site_title = _("Vùng Trồng Registry")
    index_title = _("Growing-area codes, cooperatives and VietGAP certificates")
    index_template = "admin/registry_index.html"

    def index(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("registry.view_areacode"):
            extra_context["market_counts"] = market_counts()
            extra_context["supervision_counts"] = supervision.counts_per_market()
            extra_context["boundary_counts"] = boundaries.counts()
        if request.user.has_perm("registry.view_season"):
            extra_context["capacity_counts"] = capacity.counts()
        if request.user.has_perm("registry.view_vietgapcertificate"):
            extra_context["expiring"] = expiring_certificates()
            extra_context["expiring_days"] = dates.expiring_window().days
        return super().index(request, extra_context)


def market_counts() -> list[dict]:
    """Per market: how many growing-area codes are active, suspended and revoked now."""
    counts = {
        row["market"]: row
        for row in AreaCodeMarket.objects.values("market").annotate(
            **{
                status: Count("id", filter=queries.status_now_q([status]))
                for status in CodeStatus.values
            }
        )
    }
    empty = dict.fromkeys(CodeStatus.values, 0)
    return [
        {**empty, **counts.get(market.pk, {}), "market": market} for market in Market.objects.all()
    ]


def expiring_certificates():
    from registry.models import VietGAPCertificate

    return (
        VietGAPCertificate.objects.filter(
            queries.certificate_validity_q(CertificateValidity.EXPIRING)
        )
        .select_related("cooperative", "crop")
        .order_by("expires_on")
    )
