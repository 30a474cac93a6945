"""What the open-data snapshot publishes: one declaration per file, from which the CSV and JSON
Lines writers and the datapackage.json's Table Schema are all derived.

Only public records and public fields. Left out on purpose: a cooperative's legal
representative, phone and e-mail (people and their contacts), a packing house's operator (may
name a person), every ``notes`` field, who recorded a status change (staff usernames), and an
inspection's inspectors, findings, samples and attachments (the API shows those only to
signed-in staff). Growers are never named anywhere in the registry.
"""

from dataclasses import dataclass, field

from django.db.models import F

from registry import models as m


@dataclass(frozen=True)
class Column:
    name: str
    path: str  # ORM path read with values_list()
    type: str  # Table Schema type: string, integer, number, date, datetime
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()

    def schema(self) -> dict:
        described = {"name": self.name, "type": self.type, "description": self.description}
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    resource: str
    target: tuple[str, ...]

    def schema(self) -> dict:
        return {
            "fields": list(self.columns),
            "reference": {"resource": self.resource, "fields": list(self.target)},
        }


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    model: type
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    order_by: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    def queryset(self):
        """The rows as tuples in column order, read in a stable order."""
        names = {f"c{i}": F(column.path) for i, column in enumerate(self.columns)}
        return (
            self.model._default_manager.order_by(*self.order_by)
            .annotate(**names)
            .values_list(*names)
        )

    def table_schema(self) -> dict:
        schema = {
            "fields": [column.schema() for column in self.columns],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [key.schema() for key in self.foreign_keys]
        return schema


def _choices(choices) -> tuple[str, ...]:
    return tuple(str(value) for value in choices.values)


def _status_tables(prefix: str, subject, subject_title: str, status_model, change_model):
    """A code's status per market now, and its history (without who recorded it)."""
    from registry.choices import ChangeSource, CodeStatus

    statuses = _choices(CodeStatus)
    subject_column = f"{prefix}_code"
    now = Resource(
        name=f"{prefix}_markets",
        title=f"Status of each {subject_title} per target market",
        model=status_model,
        columns=(
            Column(subject_column, "subject__code", "string", f"The {subject_title}.", True),
            Column("market", "market__code", "string", "Target market (ISO code).", True),
            Column("status", "status", "string", "Status for the market now.", True, statuses),
            Column("since", "since", "date", "Effective date of the status.", True),
            Column("reason", "reason", "string", "Why (for a suspension or revocation)."),
        ),
        primary_key=(subject_column, "market"),
        order_by=("subject__code", "market__code"),
        foreign_keys=(
            ForeignKey((subject_column,), subject, ("code",)),
            ForeignKey(("market",), "markets", ("code",)),
        ),
    )
    history = Resource(
        name=f"{prefix}_status_changes",
        title=f"Status history of each {subject_title} (append-only)",
        model=change_model,
        columns=(
            Column("id", "id", "integer", "Number of the entry.", True),
            Column(subject_column, "subject__code", "string", f"The {subject_title}.", True),
            Column("market", "market__code", "string", "Target market (ISO code).", True),
            Column("from_status", "from_status", "string", "Status before (empty: none)."),
            Column("to_status", "to_status", "string", "Status after.", True, statuses),
            Column("effective_on", "effective_on", "date", "Effective date.", True),
            Column("reason", "reason", "string", "Why.", True),
            Column("source", "source", "string", "Source.", True, _choices(ChangeSource)),
            Column("reference", "reference", "string", "Reference (notice number...)."),
            Column("recorded_at", "recorded_at", "datetime", "When it was recorded.", True),
        ),
        primary_key=("id",),
        order_by=("id",),
        foreign_keys=(
            ForeignKey((subject_column,), subject, ("code",)),
            ForeignKey(("market",), "markets", ("code",)),
        ),
    )
    return now, history


def resources() -> tuple[Resource, ...]:
    from registry.choices import CodeKind, InspectionKind, InspectionResult

    markets = Resource(
        name="markets",
        title="Target markets",
        model=m.Market,
        columns=(
            Column("code", "code", "string", "ISO 3166-1 alpha-2 (EU: the bloc).", True),
            Column("name_vi", "name_vi", "string", "Name in Vietnamese.", True),
            Column("name_en", "name_en", "string", "Name in English.", True),
            Column("authority", "authority", "string", "Importing authority."),
            Column("requirements", "requirements", "string", "Requirements."),
        ),
        primary_key=("code",),
        order_by=("code",),
    )
    crops = Resource(
        name="crops",
        title="Crops",
        model=m.Crop,
        columns=(
            Column("slug", "slug", "string", "Key of the crop.", True),
            Column("name_vi", "name_vi", "string", "Name in Vietnamese.", True),
            Column("name_en", "name_en", "string", "Name in English.", True),
            Column("scientific_name", "scientific_name", "string", "Scientific name."),
        ),
        primary_key=("slug",),
        order_by=("slug",),
    )
    provinces = Resource(
        name="provinces",
        title="Provinces (2025 reform)",
        model=m.Province,
        columns=(
            Column("code", "code", "string", "2-digit code.", True),
            Column("name", "name", "string", "Name.", True),
            Column("division_type", "division_type", "string", "Division type.", True),
        ),
        primary_key=("code",),
        order_by=("code",),
    )
    communes = Resource(
        name="communes",
        title="Communes and wards (2025 reform)",
        model=m.Commune,
        columns=(
            Column("code", "code", "string", "5-digit code.", True),
            Column("name", "name", "string", "Name.", True),
            Column("division_type", "division_type", "string", "Division type.", True),
            Column("province", "province_id", "string", "Province code.", True),
        ),
        primary_key=("code",),
        order_by=("code",),
        foreign_keys=(ForeignKey(("province",), "provinces", ("code",)),),
    )
    bodies = Resource(
        name="certification_bodies",
        title="VietGAP certification bodies",
        model=m.CertificationBody,
        columns=(
            Column("code", "code", "string", "Designation code.", True),
            Column("name", "name", "string", "Name.", True),
        ),
        primary_key=("code",),
        order_by=("code",),
    )
    cooperatives = Resource(
        name="cooperatives",
        title="Cooperatives and managing organisations (public fields)",
        model=m.Cooperative,
        columns=(
            Column("tax_code", "tax_code", "string", "Enterprise/tax code.", True),
            Column("name", "name", "string", "Name.", True),
            Column("status", "status", "string", "Active, suspended or dissolved.", True),
            Column("address", "address", "string", "Address of the organisation."),
            Column("commune", "commune_id", "string", "Commune code (2025).", True),
            Column("legacy_location", "legacy_location", "string", "Location as registered."),
            Column("member_households", "member_households", "integer", "Member households."),
            Column("established_on", "established_on", "date", "Date established."),
        ),
        primary_key=("tax_code",),
        order_by=("tax_code",),
        foreign_keys=(ForeignKey(("commune",), "communes", ("code",)),),
    )
    trademark_rights = Resource(
        name="trademark_rights",
        title="Certification-trademark use rights of cooperatives",
        model=m.TrademarkRight,
        columns=(
            Column("id", "id", "integer", "Number of the right.", True),
            Column("cooperative", "cooperative__tax_code", "string", "Cooperative.", True),
            Column("mark", "mark", "string", "The mark.", True),
            Column("decision_number", "decision_number", "string", "Decision number."),
            Column("granted_on", "granted_on", "date", "Grant date."),
        ),
        primary_key=("id",),
        order_by=("id",),
        foreign_keys=(ForeignKey(("cooperative",), "cooperatives", ("tax_code",)),),
    )
    certificates = Resource(
        name="vietgap_certificates",
        title="VietGAP certificates",
        model=m.VietGAPCertificate,
        columns=(
            Column("id", "id", "integer", "Key of the certificate.", True),
            Column("number", "number", "string", "Number (unique per body).", True),
            Column("body", "body__code", "string", "Certification body.", True),
            Column("cooperative", "cooperative__tax_code", "string", "Holder.", True),
            Column("crop", "crop__slug", "string", "Crop.", True),
            Column("area_ha", "area_ha", "number", "Area (ha).", True),
            Column("expected_yield_tonnes", "expected_yield_tonnes", "number", "t/year."),
            Column("commune", "commune_id", "string", "Commune code (2025).", True),
            Column("legacy_location", "legacy_location", "string", "Location as issued."),
            Column("issued_on", "issued_on", "date", "Issue date.", True),
            Column("expires_on", "expires_on", "date", "Expiry date.", True),
            Column("revoked_on", "revoked_on", "date", "Revocation date."),
            Column("revocation_reason", "revocation_reason", "string", "Why revoked."),
        ),
        primary_key=("id",),
        order_by=("id",),
        foreign_keys=(
            ForeignKey(("body",), "certification_bodies", ("code",)),
            ForeignKey(("cooperative",), "cooperatives", ("tax_code",)),
            ForeignKey(("crop",), "crops", ("slug",)),
            ForeignKey(("commune",), "communes", ("code",)),
        ),
    )
    area_codes = Resource(
        name="area_codes",
        title="Growing-area codes (mã số vùng trồng)",
        model=m.AreaCode,
        columns=(
            Column("code", "code", "string", "The code (never reused).", True),
            Column("kind", "kind", "string", "Export or domestic.", True, _choices(CodeKind)),
            Column("crop", "crop__slug", "string", "Crop.", True),
            Column("variety", "variety", "string", "Variety."),
            Column(
                "cooperative", "cooperative__tax_code", "string", "Managing organisation.", True
            ),
            Column("certificate", "certificate_id", "integer", "VietGAP basis."),
            Column("area_ha", "area_ha", "number", "Area (ha).", True),
            Column("households", "households", "integer", "Farming households."),
            Column("average_yield_tonnes", "average_yield_tonnes", "number", "t/year."),
            Column("commune", "commune_id", "string", "Commune code (2025).", True),
            Column("legacy_location", "legacy_location", "string", "Location as issued."),
            Column("latitude", "latitude", "number", "Latitude (WGS 84)."),
            Column("longitude", "longitude", "number", "Longitude (WGS 84)."),
            Column("issued_on", "issued_on", "date", "Issue date.", True),
        ),
        primary_key=("code",),
        order_by=("code",),
        foreign_keys=(
            ForeignKey(("crop",), "crops", ("slug",)),
            ForeignKey(("cooperative",), "cooperatives", ("tax_code",)),
            ForeignKey(("certificate",), "vietgap_certificates", ("id",)),
            ForeignKey(("commune",), "communes", ("code",)),
        ),
    )
    packing_houses = Resource(
        name="packing_houses",
        title="Packing houses (mã số cơ sở đóng gói)",
        model=m.PackingHouse,
        columns=(
            Column("code", "code", "string", "The code (never reused).", True),
            Column("name", "name", "string", "Name.", True),
            Column("address", "address", "string", "Address."),
            Column("cooperative", "cooperative__tax_code", "string", "Cooperative."),
            Column("commune", "commune_id", "string", "Commune code (2025).", True),
            Column("legacy_location", "legacy_location", "string", "Location as issued."),
            Column("issued_on", "issued_on", "date", "Issue date.", True),
        ),
        primary_key=("code",),
        order_by=("code",),
        foreign_keys=(
            ForeignKey(("cooperative",), "cooperatives", ("tax_code",)),
            ForeignKey(("commune",), "communes", ("code",)),
        ),
    )
    inspections = Resource(
        name="inspections",
        title="Inspections (public fields)",
        model=m.Inspection,
        columns=(
            Column("id", "id", "integer", "Key (cited as INS-<id>).", True),
            Column("area_code", "area_code__code", "string", "Growing-area code inspected."),
            Column("packing_house", "packing_house__code", "string", "Packing house inspected."),
            Column("inspected_on", "inspected_on", "date", "Inspection date.", True),
            Column("inspecting_body", "inspecting_body", "string", "Inspecting body.", True),
            Column("kind", "kind", "string", "Kind.", True, _choices(InspectionKind)),
            Column("result", "result", "string", "Result.", True, _choices(InspectionResult)),
            Column(
                "corrective_action_deadline",
                "corrective_action_deadline",
                "date",
                "Deadline for corrective action.",
            ),
            Column("record_number", "record_number", "string", "Record number."),
        ),
        primary_key=("id",),
        order_by=("id",),
        foreign_keys=(
            ForeignKey(("area_code",), "area_codes", ("code",)),
            ForeignKey(("packing_house",), "packing_houses", ("code",)),
        ),
    )
    inspection_markets = Resource(
        name="inspection_markets",
        title="Markets an inspection concerns (none listed: all)",
        model=m.Inspection.markets.through,
        columns=(
            Column("inspection", "inspection_id", "integer", "Inspection.", True),
            Column("market", "market__code", "string", "Market.", True),
        ),
        primary_key=("inspection", "market"),
        order_by=("inspection_id", "market__code"),
        foreign_keys=(
            ForeignKey(("inspection",), "inspections", ("id",)),
            ForeignKey(("market",), "markets", ("code",)),
        ),
    )
    return (
        markets,
        crops,
        provinces,
        communes,
        bodies,
        cooperatives,
        trademark_rights,
        certificates,
        area_codes,
        *_status_tables(
            "area_code", "area_codes", "growing-area code", m.AreaCodeMarket, m.AreaCodeStatusChange
        ),
        packing_houses,
        *_status_tables(
            "packing_house",
            "packing_houses",
            "packing house",
            m.PackingHouseMarket,
            m.PackingHouseStatusChange,
        ),
        inspections,
        inspection_markets,
    )
