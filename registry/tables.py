"""The columns of each downloadable and importable listing, defined once: the source of the
import resources' and the write serializers' field lists too (``Table.writable_fields``).

A CSV download writes these columns (headers in the reader's language); an import reads them
back (headers in Vietnamese, English or as keys), so a downloaded file imports unchanged.
Columns without an import ``key`` in the import resource are for reading only.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db.models import Model, TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import (
    AreaCode,
    CapacityState,
    CertificateValidity,
    CodeKind,
    CodeStatus,
    Cooperative,
    CooperativeStatus,
    Grower,
    Inspection,
    InspectionKind,
    InspectionResult,
    Market,
    PackingHouse,
    PackingHouseSource,
    Season,
    SeasonStandard,
    VietGAPCertificate,
)


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    path: str | None = None  # the values_list() path; None for computed columns
    #: for a column of choices: a download writes each value's label in its language
    #: ("tạm dừng" in Vietnamese, "suspended" in English); an import reads keys and labels
    choices: type[TextChoices] | None = None
    #: the path of the same value in English (a crop's English name), which a download in any
    #: language but Vietnamese writes instead; an import reads either
    english_path: str | None = None


@dataclass(frozen=True)
class Table:
    resource: str
    model: type[Model]
    columns: list[Column]
    #: codes get one "status XX" column per market and an "active markets" column
    per_market: bool = False
    #: extra values_list() paths needed by computed columns
    extra_paths: list[str] = field(default_factory=list)
    #: columns an import reads (and writes) that the download leaves out: private ones, such
    #: as an inspection's inspectors and findings, since the API's download is public
    import_columns: list[Column] = field(default_factory=list)
    #: columns computed by the database (a rule's query form): name → expression factory
    annotations: dict[str, Callable] = field(default_factory=dict)

    def annotated(self, queryset):
        """The queryset with this table's computed columns."""
        if not self.annotations:
            return queryset
        return queryset.annotate(**{name: make() for name, make in self.annotations.items()})

    def writable_fields(self) -> list[str]:
        """The columns a spreadsheet or an API client writes: the model's editable fields, in
        this table's order. The import resources and the write serializers take their field
        lists from here, so a field added to a table is downloadable, importable and writable
        at once."""
        editable = {
            f.name for f in self.model._meta.concrete_fields if f.editable and not f.primary_key
        }
        return [
            column.key for column in self.columns + self.import_columns if column.key in editable
        ]

    def in_language(self, language: str | None) -> "Table":
        """The table as a download in ``language`` writes it: names in Vietnamese, or in
        English for every other language (the registry holds those two)."""
        if (language or "vi").startswith("vi"):
            return self
        columns = [
            replace(column, path=column.english_path) if column.english_path else column
            for column in self.columns
        ]
        return replace(self, columns=columns)

    def market_columns(self, markets: list[Market]) -> list[Column]:
        if not self.per_market:
            return []
        return [Column("active_markets", _("active markets"))] + [
            Column(f"status_{market.code}", StatusLabel(market.code), choices=CodeStatus)
            for market in markets
        ]

    def value_labels(self, markets: list[Market]) -> dict[str, dict[str, str]]:
        """For each column of choices: its values' labels in the active language, by key."""
        return {
            column.key: {value: str(label) for value, label in column.choices.choices}
            for column in self.columns + self.market_columns(markets)
            if column.choices is not None
        }


class StatusLabel:
    """ "status AU" in the active language, evaluated when the header is written."""

    def __init__(self, market_code: str):
        self.market_code = market_code

    def __str__(self) -> str:
        return f"{gettext('status')} {self.market_code}"


PLACE = [
    Column("province", _("province"), "commune__province__name"),
    Column("commune", _("commune code"), "commune_id"),
    Column("commune_name", _("commune"), "commune__name"),
    Column("legacy_location", _("location as issued (before July 2025)"), "legacy_location"),
]

AREA_CODES = Table(
    "area-codes",
    AreaCode,
    [
        Column("code", _("code"), "code"),
        Column("kind", _("kind"), "kind", choices=CodeKind),
        Column("crop", _("crop"), "crop__name_vi", english_path="crop__name_en"),
        Column("variety", _("variety"), "variety"),
        Column("cooperative", _("tax code"), "cooperative__tax_code"),
        Column("cooperative_name", _("cooperative"), "cooperative__name"),
        Column("certificate", _("certificate number"), "certificate__number"),
        Column("certificate_validity", _("certificate validity"), choices=CertificateValidity),
        Column("area_ha", _("area (ha)"), "area_ha"),
        Column("measured_area_ha", _("measured area (ha)"), "measured_area_ha"),
        Column("households", _("farming households"), "households"),
        Column("average_yield_tonnes", _("average yield (tonnes/year)"), "average_yield_tonnes"),
        *PLACE,
        Column("latitude", _("latitude"), "latitude"),
        Column("longitude", _("longitude"), "longitude"),
        Column("issued_on", _("issue date"), "issued_on"),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
    per_market=True,
    extra_paths=["certificate__issued_on", "certificate__expires_on", "certificate__revoked_on"],
)

PACKING_HOUSES = Table(
    "packing-houses",
    PackingHouse,
    [
        Column("code", _("code"), "code"),
        Column("name", _("name"), "name"),
        Column("operator", _("operator"), "operator"),
        Column("address", _("address"), "address"),
        Column("cooperative", _("tax code"), "cooperative__tax_code"),
        *PLACE,
        Column("latitude", _("latitude"), "latitude"),
        Column("longitude", _("longitude"), "longitude"),
        Column("issued_on", _("issue date"), "issued_on"),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
    per_market=True,
)

COOPERATIVES = Table(
    "cooperatives",
    Cooperative,
    [
        Column("tax_code", _("tax code"), "tax_code"),
        Column("name", _("name"), "name"),
        Column("status", _("status"), "status", choices=CooperativeStatus),
        Column("address", _("address"), "address"),
        *PLACE,
        Column("representative", _("legal representative"), "representative"),
        Column("phone", _("phone"), "phone"),
        Column("email", _("email"), "email"),
        Column("member_households", _("member households"), "member_households"),
        Column("established_on", _("date established"), "established_on"),
        Column("trademarks", _("trademark rights")),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
)

CERTIFICATES = Table(
    "vietgap-certificates",
    VietGAPCertificate,
    [
        Column("body", _("designation code"), "body__code"),
        Column("number", _("certificate number"), "number"),
        Column("cooperative", _("tax code"), "cooperative__tax_code"),
        Column("cooperative_name", _("cooperative"), "cooperative__name"),
        Column("crop", _("crop"), "crop__name_vi", english_path="crop__name_en"),
        Column("area_ha", _("area (ha)"), "area_ha"),
        Column("expected_yield_tonnes", _("expected yield (tonnes/year)"), "expected_yield_tonnes"),
        *PLACE,
        Column("issued_on", _("issue date"), "issued_on"),
        Column("expires_on", _("expiry date"), "expires_on"),
        Column("revoked_on", _("revoked on"), "revoked_on"),
        Column("revocation_reason", _("revocation reason"), "revocation_reason"),
        Column("validity", _("validity"), choices=CertificateValidity),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
)

#: What anyone may read of an inspection (registry.api.inspections): no inspectors, findings
#: or samples, since the API's CSV download is public.
INSPECTIONS = Table(
    "inspections",
    Inspection,
    [
        Column("id", _("id"), "id"),
        Column("code", _("growing-area code"), "area_code__code"),
        Column("packing_house", _("packing house"), "packing_house__code"),
        Column("inspected_on", _("inspection date"), "inspected_on"),
        Column("inspecting_body", _("inspecting body"), "inspecting_body"),
        Column("kind", _("kind"), "kind", choices=InspectionKind),
        Column("result", _("result"), "result", choices=InspectionResult),
        Column(
            "corrective_action_deadline",
            _("corrective-action deadline"),
            "corrective_action_deadline",
        ),
        Column("record_number", _("inspection record number"), "record_number"),
        #: the markets' codes, "CN; AU" (empty: every market of the code)
        Column("markets", _("markets concerned")),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
    import_columns=[
        Column("inspectors", _("inspectors"), "inspectors"),
        Column("findings", _("findings"), "findings"),
    ],
)


def _capacity_state():
    from registry.rules.capacity import state_expression  # the rules read the models

    return state_expression()


#: A season of a code: natural key code + crop year. ``declarations`` is written and read as
#: "CN: 12.5; AU: 3" (tonnes declared for export per market); ``capacity`` is derived.
SEASONS = Table(
    "seasons",
    Season,
    [
        Column("code", _("growing-area code"), "area_code__code"),
        Column("crop_year", _("crop year"), "crop_year"),
        Column(
            "crop", _("crop"), "area_code__crop__name_vi", english_path="area_code__crop__name_en"
        ),
        Column("variety", _("variety"), "variety"),
        Column("area_ha", _("area (ha)"), "area_ha"),
        Column("standard", _("standard"), "standard", choices=SeasonStandard),
        Column("expected_tonnes", _("expected output (tonnes)"), "expected_tonnes"),
        Column("harvest_start", _("harvest starts"), "harvest_start"),
        Column("harvest_end", _("harvest ends"), "harvest_end"),
        Column("actual_tonnes", _("actual output (tonnes)"), "actual_tonnes"),
        Column("declarations", _("declared for export (tonnes per market)")),
        Column("capacity", _("capacity check"), "capacity_state", choices=CapacityState),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
    import_columns=[Column("notes", _("notes"), "notes")],
    annotations={"capacity_state": _capacity_state},
)

#: The links of packing houses to growing-area codes per market. The note is internal: it is
#: imported but not downloaded (the download is public, like the API's list).
PACKING_HOUSE_SOURCES = Table(
    "packing-house-sources",
    PackingHouseSource,
    [
        Column("packing_house", _("packing house"), "packing_house__code"),
        Column("packing_house_name", _("packing-house name"), "packing_house__name"),
        Column("code", _("growing-area code"), "area_code__code"),
        Column("market", _("market"), "market__code"),
        Column("valid_from", _("valid from"), "valid_from"),
        Column("valid_until", _("valid until"), "valid_until"),
        Column(
            "registration_number",
            _("importing country's registration number"),
            "registration_number",
        ),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
    import_columns=[Column("note", _("note"), "note")],
)

#: Growers: personal data. Their download is served only to users who may view growers.
GROWERS = Table(
    "growers",
    Grower,
    [
        Column("id", _("id"), "id"),
        Column("code", _("growing-area code"), "area_code__code"),
        Column("name", _("household name"), "name"),
        Column("plot_area_ha", _("plot area (ha)"), "plot_area_ha"),
        Column("phone", _("phone"), "phone"),
        Column("updated_at", _("updated at"), "updated_at"),
    ],
)

TABLES = {
    table.resource: table
    for table in (
        AREA_CODES,
        PACKING_HOUSES,
        COOPERATIVES,
        CERTIFICATES,
        INSPECTIONS,
        PACKING_HOUSE_SOURCES,
        GROWERS,
        SEASONS,
    )
}
TABLES_BY_MODEL = {table.model: table for table in TABLES.values()}
