"""One FilterSet per resource. The API lists, the CSV downloads and the admin's list filters
all filter through these, so the same parameters mean the same rows everywhere."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from registry import keys
from registry.filter_fields import (
    BoundingBoxFilter,
    ChoicesFilter,
    CodesFilter,
    KeysFilter,
    SearchFilter,
    StrictBooleanFilter,
    WindowedDateFilter,
    WindowedIsoDateTimeFilter,
    YearsFilter,
)
from registry.models import (
    AreaCode,
    CapacityState,
    CertificateValidity,
    CertificationBody,
    ChangeEvent,
    ChangeKind,
    CodeKind,
    CodeStatus,
    Commune,
    Cooperative,
    CooperativeStatus,
    Crop,
    Grower,
    Inspection,
    InspectionKind,
    InspectionResult,
    Market,
    PackingHouse,
    PackingHouseSource,
    Province,
    Season,
    SupervisionState,
    VietGAPCertificate,
)
from registry.rules import boundaries, packing, queries, supervision
from registry.rules import capacity as capacity_rules


def market_filter(**kwargs):
    kwargs.setdefault("help_text", _("Market code(s), e.g. AU or AU,US."))
    return KeysFilter(
        model=Market,
        keys=["code"],
        normalise=keys.normalise_market_code,
        noun=_("market"),
        label=_("market"),
        **kwargs,
    )


def crop_filter(**kwargs):
    return KeysFilter(
        model=Crop,
        keys=["slug", "pk"],
        normalise=keys.normalise_crop_slug,
        noun=_("crop"),
        label=_("crop"),
        help_text=_("Crop slug(s) or id(s), e.g. longan."),
        **kwargs,
    )


def province_filter(field_name):
    return KeysFilter(
        field_name=field_name,
        model=Province,
        keys=["code"],
        normalise=keys.normalise_province_code,
        noun=_("province"),
        label=_("province"),
        help_text=_("Province code(s) (2 digits, 2025 units), e.g. 14 for Sơn La."),
    )


def commune_filter(field_name):
    return KeysFilter(
        field_name=field_name,
        model=Commune,
        keys=["code"],
        normalise=keys.normalise_commune_code,
        noun=_("commune"),
        label=_("commune"),
        help_text=_("Commune code(s) (5 digits, 2025 units), e.g. 04204."),
    )


def cooperative_filter(field_name):
    return KeysFilter(
        field_name=field_name,
        model=Cooperative,
        keys=["tax_code"],
        normalise=keys.normalise_tax_code,
        noun=_("cooperative"),
        label=_("cooperative"),
        help_text=_("Tax code(s) of the cooperative."),
    )


class CodeFilterSet(django_filters.FilterSet):
    """Filters shared by growing-area codes and packing houses (status per market)."""

    market = market_filter(method="filter_market")
    status = ChoicesFilter(
        choices=CodeStatus.choices,
        method="filter_status",
        label=_("status"),
        help_text=_("Status now; with `market`, the status for that market."),
    )
    valid_on = WindowedDateFilter(
        method="filter_valid_on",
        label=_("valid on"),
        help_text=_(
            "A date (YYYY-MM-DD): only codes valid on that day for `market` (any of them; "
            "without `market`, for any market): active for it, and a VietGAP basis, if any, "
            "in force. The same rule as the bulk check."
        ),
    )
    province = province_filter("commune__province")
    commune = commune_filter("commune")
    cooperative = cooperative_filter("cooperative")
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("updated since"),
        help_text=_("ISO 8601 timestamp: records created or changed since then (for syncing)."),
    )
    supervision = ChoicesFilter(
        choices=SupervisionState.choices,
        method="filter_supervision",
        label=_("supervision"),
        help_text=_(
            "monitored, due (the supervision interval ends soon: within 30 days by default), "
            "overdue or never (inspected), today."
        ),
    )
    q = SearchFilter(
        label=_("search"),
        help_text=_("Words to find in the code, cooperative and place; ignores case and accents."),
    )
    bbox = BoundingBoxFilter(
        method="filter_bbox",
        label=_("bounding box"),
        help_text=_(
            "minLon,minLat,maxLon,maxLat (WGS 84, longitude first): growing-area codes whose "
            "boundary's bounding box meets the box (or whose point lies in it, without a "
            "boundary); packing houses whose point lies in it."
        ),
    )

    def filter_bbox(self, queryset, name, box):
        if not box:
            return queryset
        if queryset.model is AreaCode:
            return queryset.filter(boundaries.in_box_q(*box))
        return queryset.filter(boundaries.point_in_box_q(*box))

    def filter_supervision(self, queryset, name, states):
        if not states:
            return queryset
        condition = supervision.state_q(queryset.model, states[0])
        for state in states[1:]:
            condition |= supervision.state_q(queryset.model, state)
        return queryset.filter(condition)

    def _statuses(self, queryset):
        current_model, _ = queries.status_models(queryset.model)
        return current_model.objects.filter(subject=OuterRef("pk"))

    def filter_market(self, queryset, name, markets):
        if not markets:
            return queryset
        if self.form.cleaned_data.get("status") or self.form.cleaned_data.get("valid_on"):
            return queryset  # the status / valid_on filter applies the market itself
        return queryset.filter(Exists(self._statuses(queryset).filter(market__in=markets)))

    def filter_status(self, queryset, name, statuses):
        if not statuses:
            return queryset
        markets = self.form.cleaned_data.get("market") or None
        statuses_now = self._statuses(queryset).filter(queries.status_now_q(statuses, markets))
        return queryset.filter(Exists(statuses_now))

    def filter_valid_on(self, queryset, name, day):
        if not day:
            return queryset
        markets = self.form.cleaned_data.get("market") or Market.objects.all()
        return queryset.filter(queries.valid_on_q(queryset.model, markets, day))


class AreaCodeFilterSet(CodeFilterSet):
    crop = crop_filter(field_name="crop")
    kind = ChoicesFilter(choices=CodeKind.choices, label=_("kind"))
    certificate_validity = ChoicesFilter(
        choices=CertificateValidity.choices,
        method="filter_certificate_validity",
        label=_("certificate validity"),
        help_text=_("Validity today of the code's VietGAP basis."),
    )

    area_mismatch = StrictBooleanFilter(
        method="filter_area_mismatch",
        label=_("area mismatch"),
        help_text=_(
            "true: codes whose measured area (from the boundary) differs from the declared "
            "area by more than the set share (15% by default); false: codes with a boundary "
            "within it. Codes without a boundary are in neither."
        ),
    )
    overlapping = StrictBooleanFilter(
        method="filter_overlapping",
        label=_("overlaps another code"),
        help_text=_(
            "true: codes whose boundary overlaps another code's by more than the set area "
            "(0.05 ha by default); false: the others."
        ),
    )
    has_boundary = StrictBooleanFilter(
        field_name="boundary_min_lon",
        lookup_expr="isnull",
        exclude=True,
        label=_("has a boundary"),
        help_text=_("true: codes with a boundary; false: codes without one."),
    )

    class Meta:
        model = AreaCode
        fields = []

    def filter_overlapping(self, queryset, name, value):
        if value is None:
            return queryset
        overlaps = boundaries.overlapping_q()
        return queryset.filter(overlaps if value else ~overlaps)

    def filter_area_mismatch(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(boundaries.area_mismatch_q(value))

    def filter_certificate_validity(self, queryset, name, values):
        if not values:
            return queryset
        condition = queries.certificate_validity_q(values[0], prefix="certificate")
        for value in values[1:]:
            condition |= queries.certificate_validity_q(value, prefix="certificate")
        return queryset.filter(condition)


class PackingHouseFilterSet(CodeFilterSet):
    class Meta:
        model = PackingHouse
        fields = []


class CertificateFilterSet(django_filters.FilterSet):
    cooperative = cooperative_filter("cooperative")
    crop = crop_filter(field_name="crop")
    body = KeysFilter(
        field_name="body",
        model=CertificationBody,
        keys=["code"],
        noun=_("certification body"),
        label=_("certification body"),
        help_text=_("Designation code(s) of the certification body."),
    )
    province = province_filter("commune__province")
    commune = commune_filter("commune")
    validity = ChoicesFilter(
        choices=CertificateValidity.choices,
        method="filter_validity",
        label=_("validity"),
        help_text=_(
            "valid, expiring (within the expiry window), expired, revoked or not_yet_valid "
            "(issued later), today."
        ),
    )
    expires_before = WindowedDateFilter(
        field_name="expires_on", lookup_expr="lt", label=_("expires before")
    )
    expires_after = WindowedDateFilter(
        field_name="expires_on", lookup_expr="gt", label=_("expires after")
    )
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )
    q = SearchFilter(label=_("search"), help_text=_("Number, body, cooperative, place."))

    class Meta:
        model = VietGAPCertificate
        fields = []

    def filter_validity(self, queryset, name, values):
        if not values:
            return queryset
        condition = queries.certificate_validity_q(values[0])
        for value in values[1:]:
            condition |= queries.certificate_validity_q(value)
        return queryset.filter(condition)


class CooperativeFilterSet(django_filters.FilterSet):
    province = province_filter("commune__province")
    commune = commune_filter("commune")
    status = ChoicesFilter(choices=CooperativeStatus.choices, label=_("status"))
    has_trademark = StrictBooleanFilter(
        method="filter_has_trademark",
        label=_("has trademark right"),
        help_text=_("true: holds at least one certification-trademark right."),
    )
    market = market_filter(
        method="filter_market",
        help_text=_("Market code(s): cooperatives with a code active for one of them now."),
    )
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )
    q = SearchFilter(label=_("search"), help_text=_("Name, tax code, place, representative."))

    class Meta:
        model = Cooperative
        fields = []

    def filter_has_trademark(self, queryset, name, value):
        if value is None:
            return queryset
        holds = Exists(
            Cooperative.trademark_rights.rel.related_model.objects.filter(
                cooperative=OuterRef("pk")
            )
        )
        return queryset.filter(holds if value else ~holds)

    def filter_market(self, queryset, name, markets):
        if not markets:
            return queryset
        current_model, _ = queries.status_models(AreaCode)
        active = current_model.objects.filter(
            queries.active_now_q(markets), subject__cooperative=OuterRef("pk")
        )
        return queryset.filter(Exists(active))


def code_keys_filter(field_name, model, label):
    return KeysFilter(
        field_name=field_name,
        model=model,
        keys=["code"],
        normalise=keys.normalise_code,
        noun=label,
        label=label,
        help_text=_("Code(s), in any case."),
    )


class InspectionFilterSet(django_filters.FilterSet):
    code = code_keys_filter("area_code", AreaCode, _("growing-area code"))
    packing_house = code_keys_filter("packing_house", PackingHouse, _("packing house"))
    kind = ChoicesFilter(choices=InspectionKind.choices, label=_("kind"))
    result = ChoicesFilter(choices=InspectionResult.choices, label=_("result"))
    date_after = WindowedDateFilter(
        field_name="inspected_on",
        lookup_expr="gte",
        label=_("inspected on or after"),
        help_text=_("A date (YYYY-MM-DD), included."),
    )
    date_before = WindowedDateFilter(
        field_name="inspected_on",
        lookup_expr="lte",
        label=_("inspected on or before"),
        help_text=_("A date (YYYY-MM-DD), included."),
    )
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )

    class Meta:
        model = Inspection
        fields = []


class SeasonFilterSet(django_filters.FilterSet):
    code = code_keys_filter("area_code", AreaCode, _("growing-area code"))
    crop_year = YearsFilter(
        field_name="crop_year", label=_("crop year"), help_text=_("Year(s), e.g. 2025.")
    )
    crop = crop_filter(field_name="area_code__crop")
    province = province_filter("area_code__commune__province")
    cooperative = cooperative_filter("area_code__cooperative")
    market = market_filter(
        method="filter_market",
        help_text=_("Market code(s): seasons with tonnes declared for export to one of them."),
    )
    capacity = ChoicesFilter(
        choices=CapacityState.choices,
        method="filter_capacity",
        label=_("capacity check"),
        help_text=_(
            "ok, exceeded (output or export declarations above what the area can grow, or "
            "declarations above the output; not cleared) or cleared (exceeded, cleared by an "
            "administrator for the figures as they are)."
        ),
    )
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )
    q = SearchFilter(label=_("search"), help_text=_("Code, variety or notes."))

    class Meta:
        model = Season
        fields = []

    def filter_market(self, queryset, name, markets):
        if not markets:
            return queryset
        declared = Season.declarations.rel.related_model.objects.filter(
            season=OuterRef("pk"), market__in=markets
        )
        return queryset.filter(Exists(declared))

    def filter_capacity(self, queryset, name, states):
        if not states:
            return queryset
        condition = capacity_rules.state_q(states[0])
        for state in states[1:]:
            condition |= capacity_rules.state_q(state)
        return queryset.filter(condition)


class PackingHouseSourceFilterSet(django_filters.FilterSet):
    """The links between packing houses and growing-area codes, per market. ``valid_on`` is
    the whole rule "may the house pack the code for the market that day"
    (``registry.rules.packing.may_pack_q``), as the bulk check answers it."""

    packing_house = code_keys_filter("packing_house", PackingHouse, _("packing house"))
    code = code_keys_filter("area_code", AreaCode, _("growing-area code"))
    market = market_filter(field_name="market")
    valid_on = WindowedDateFilter(
        method="filter_valid_on",
        label=_("valid on"),
        help_text=_(
            "A date (YYYY-MM-DD): only links under which the packing house may pack the code "
            "for the link's market that day: the link in force, and both codes valid for the "
            "market. The same rule as the bulk check with `packing_house`."
        ),
    )
    in_force_on = WindowedDateFilter(
        method="filter_in_force_on",
        label=_("link in force on"),
        help_text=_("A date (YYYY-MM-DD): links whose dates cover that day, whatever the codes."),
    )
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )
    q = SearchFilter(
        label=_("search"), help_text=_("Codes, packing-house name, registration number.")
    )

    class Meta:
        model = PackingHouseSource
        fields = []

    def filter_valid_on(self, queryset, name, day):
        return queryset.filter(packing.may_pack_q(day)) if day else queryset

    def filter_in_force_on(self, queryset, name, day):
        return queryset.filter(packing.link_in_force_q(day)) if day else queryset


class GrowerFilterSet(django_filters.FilterSet):
    code = code_keys_filter("area_code", AreaCode, _("growing-area code"))
    updated_since = WindowedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since")
    )
    q = SearchFilter(label=_("search"), help_text=_("Name, phone or code."))

    class Meta:
        model = Grower
        fields = []


class CommuneFilterSet(django_filters.FilterSet):
    province = province_filter("province")
    q = SearchFilter(label=_("search"), help_text=_("Name or code; ignores case and accents."))

    class Meta:
        model = Commune
        fields = []


class ChangeEventFilterSet(django_filters.FilterSet):
    """The change feed (API and Atom) and the subscriptions' filters. Events keep their
    subjects' keys as text, so each filter checks the keys exist and then compares text. An
    event that concerns no single market (a new code, a certificate expiry, a boundary; an
    inspection of a code that has no market) passes every ``market`` filter; an inspection's
    events are one per market it concerns (``registry.changes.record_inspections``)."""

    market = market_filter(method="filter_market")
    province = KeysFilter(
        model=Province,
        keys=["code"],
        normalise=keys.normalise_province_code,
        noun=_("province"),
        label=_("province"),
        help_text=_("Province code(s) (2 digits, 2025 units), e.g. 14 for Sơn La."),
        method="filter_province",
    )
    crop = crop_filter(method="filter_crop")
    cooperative = KeysFilter(
        model=Cooperative,
        keys=["tax_code"],
        normalise=keys.normalise_tax_code,
        noun=_("cooperative"),
        label=_("cooperative"),
        help_text=_("Tax code(s) of the cooperative."),
        method="filter_cooperative",
    )
    kind = ChoicesFilter(choices=ChangeKind.choices, label=_("kind"))
    code = CodesFilter(
        field_name="subject_code",
        label=_("code"),
        help_text=_("Growing-area or packing-house code(s), or certificate number(s)."),
    )

    class Meta:
        model = ChangeEvent
        fields = []

    def filter_market(self, queryset, name, markets):
        if not markets:
            return queryset
        return queryset.filter(market_code__in=["", *(m.code for m in markets)])

    def filter_province(self, queryset, name, provinces):
        if not provinces:
            return queryset
        return queryset.filter(province_code__in=[p.code for p in provinces])

    def filter_crop(self, queryset, name, crops):
        if not crops:
            return queryset
        return queryset.filter(crop_slug__in=[c.slug for c in crops])

    def filter_cooperative(self, queryset, name, cooperatives):
        if not cooperatives:
            return queryset
        return queryset.filter(cooperative_tax_code__in=[c.tax_code for c in cooperatives])
