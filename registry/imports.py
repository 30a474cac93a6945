"""Spreadsheet imports (django-import-export resources) for cooperatives, VietGAP
certificates, growing-area codes (with their market statuses) and packing houses.

- Columns are those of ``registry.tables``; headers may be in Vietnamese, English or the
  column keys, so a downloaded file imports back unchanged.
- Rows point at other records by natural key: tax code, commune code or name, crop slug or
  name, certification-body code, certificate number, market code.
- The preview shows every error with its row and column; nothing is applied unless every row
  is clean, and then all rows are applied in one transaction.
- Status columns ("status AU") go through ``registry.rules.status_changes.change_status``,
  like any other status change, and need the right to change statuses (``may_change_status``).
"""

import csv
import io

import tablib
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from registry import keys
from registry.models import (
    AreaCode,
    CertificationBody,
    ChangeSource,
    CodeStatus,
    Commune,
    Cooperative,
    Crop,
    Market,
    PackingHouse,
    VietGAPCertificate,
)
from registry.rules import dates, status_changes
from registry.tables import AREA_CODES, CERTIFICATES, COOPERATIVES, PACKING_HOUSES, Table
from registry.text import fold

IMPORT_REASON = "Spreadsheet import"


# --- File formats ----------------------------------------------------------------------------


class CSV(base_formats.CSV):
    """CSV in UTF-8 with or without a BOM, separated by commas or semicolons (Excel writes
    semicolons where the comma is the decimal separator)."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        in_stream = in_stream.lstrip("\ufeff")
        first_line = in_stream.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return tablib.import_set(in_stream, format="csv", delimiter=delimiter)


IMPORT_FORMATS = [CSV, base_formats.XLSX]


# --- Natural-key widgets ---------------------------------------------------------------------


class KeyWidget(widgets.CharWidget):
    """A row's own natural key, normalised as everywhere else (``registry.keys``)."""

    def __init__(self, normalise, **kwargs):
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return self.normalise(str(value or ""))


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related record named by any of several keys; unknown or ambiguous names are errors."""

    noun = gettext_lazy("record")

    def find(self, value: str, row) -> list:
        raise NotImplementedError

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        found = self.find(value, row or {})
        if not found:
            raise ValueError(_("Unknown %(noun)s: %(value)s") % {"noun": self.noun, "value": value})
        if len(found) > 1:
            raise ValueError(
                _("%(value)s names more than one %(noun)s; use its code.")
                % {"value": value, "noun": self.noun}
            )
        return found[0]


class CommuneWidget(NaturalKeyWidget):
    noun = gettext_lazy("commune")

    def __init__(self):
        super().__init__(Commune, "code")

    def find(self, value, row):
        if value.isdigit():
            return list(Commune.objects.filter(code=keys.normalise_commune_code(value)))
        wanted = fold(value)
        candidates = Commune.objects.filter(search_text__contains=wanted)
        return [
            c for c in candidates if fold(c.name) == wanted or fold(c.name).endswith(f" {wanted}")
        ]


class CropWidget(NaturalKeyWidget):
    noun = gettext_lazy("crop")

    def __init__(self):
        super().__init__(Crop, "slug")

    def find(self, value, row):
        slug, wanted = keys.normalise_crop_slug(value), fold(value)
        return [
            crop
            for crop in Crop.objects.all()
            if crop.slug in {slug, wanted} or wanted in {fold(crop.name_vi), fold(crop.name_en)}
        ]


class CooperativeWidget(NaturalKeyWidget):
    noun = gettext_lazy("cooperative")

    def __init__(self):
        super().__init__(Cooperative, "tax_code")

    def find(self, value, row):
        return list(Cooperative.objects.filter(tax_code=keys.normalise_tax_code(value)))


class BodyWidget(NaturalKeyWidget):
    noun = gettext_lazy("certification body")

    def __init__(self):
        super().__init__(CertificationBody, "code")

    def find(self, value, row):
        return list(CertificationBody.objects.filter(code=value))


class CertificateWidget(NaturalKeyWidget):
    """By number; numbers are unique per body, so a clash is settled by the row's cooperative."""

    noun = gettext_lazy("certificate")

    def __init__(self):
        super().__init__(VietGAPCertificate, "number")

    def find(self, value, row):
        found = list(VietGAPCertificate.objects.filter(number=value))
        if len(found) > 1 and row.get("cooperative"):
            found = [
                c
                for c in found
                if c.cooperative.tax_code == keys.normalise_tax_code(str(row["cooperative"]))
            ]
        return found


def field(key: str, widget=None, attribute=None):
    return fields.Field(attribute=attribute or key, column_name=key, widget=widget)


# --- Resources -------------------------------------------------------------------------------


class RegistryResource(resources.ModelResource):
    """Headers in any language, history reason for imported rows, all-or-nothing."""

    table: Table

    def before_import(self, dataset, **kwargs):
        dataset.headers = [self.header_key(header) for header in dataset.headers]
        super().before_import(dataset, **kwargs)

    def header_key(self, header) -> str:
        wanted = fold(str(header or ""))
        for key, labels in self.header_labels().items():
            if wanted == fold(key) or wanted in labels:
                return key
        return str(header)

    def header_labels(self) -> dict[str, set[str]]:
        if not hasattr(self, "_header_labels"):
            columns = self.table.columns + self.table.market_columns(list(Market.objects.all()))
            self._header_labels = {}
            for column in columns:
                labels = set()
                for language in ("vi", "en"):
                    with translation.override(language):
                        labels.add(fold(str(column.label)))
                self._header_labels[column.key] = labels
        return self._header_labels

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = IMPORT_REASON
        super().before_save_instance(instance, row, **kwargs)


class CooperativeResource(RegistryResource):
    table = COOPERATIVES
    tax_code = field("tax_code", KeyWidget(keys.normalise_tax_code))
    commune = field("commune", CommuneWidget())

    class Meta:
        model = Cooperative
        import_id_fields = ["tax_code"]
        fields = (
            "tax_code",
            "name",
            "status",
            "address",
            "commune",
            "legacy_location",
            "representative",
            "phone",
            "email",
            "member_households",
            "established_on",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True


class CertificateResource(RegistryResource):
    table = CERTIFICATES
    body = field("body", BodyWidget())
    cooperative = field("cooperative", CooperativeWidget())
    crop = field("crop", CropWidget())
    commune = field("commune", CommuneWidget())

    class Meta:
        model = VietGAPCertificate
        import_id_fields = ["body", "number"]
        fields = (
            "body",
            "number",
            "cooperative",
            "crop",
            "area_ha",
            "expected_yield_tonnes",
            "commune",
            "legacy_location",
            "issued_on",
            "expires_on",
            "revoked_on",
            "revocation_reason",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True


class CodeStatusResource(RegistryResource):
    """Adds the "status XX" columns: each non-empty cell that differs from the code's current
    status for XX becomes a status change, checked before anything is saved."""

    def before_import_row(self, row, **kwargs):
        self._row, self._user = row, kwargs.get("user")
        super().before_import_row(row, **kwargs)

    def pending_statuses(self, instance) -> tuple[list[tuple[Market, str]], dict]:
        current = {s.market_id: s for s in instance.market_statuses.all()} if instance.pk else {}
        names = {fold(label): value for value, label in CodeStatus.choices} | {
            value: value for value in CodeStatus.values
        }
        for value, _label in CodeStatus.choices:
            with translation.override("en"):
                names[fold(str(CodeStatus(value).label))] = value
        pending, errors = [], {}
        for market in Market.objects.all():
            key = f"status_{market.code}"
            cell = fold(str(self._row.get(key) or ""))
            if not cell:
                continue
            wanted = names.get(cell)
            if wanted is None:
                errors[key] = _("Unknown status: %(s)s") % {"s": self._row[key]}
                continue
            now = current.get(market.pk)
            if now is not None and now.status == wanted:
                continue
            problem = status_changes.transition_problem(
                instance, market, now, wanted, dates.today()
            )
            if problem:
                errors[key] = problem
            elif not status_changes.may_change_status(self._user, type(instance)):
                errors[key] = _("You may not change the status of codes.")
            else:
                pending.append((market, wanted))
        return pending, errors

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        self._pending, status_errors = self.pending_statuses(instance)
        errors.update(status_errors)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if getattr(self, "_pending", None):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for to_status in {status for _market, status in self._pending}:
            status_changes.change_status(
                instance,
                to_status,
                markets=[market for market, status in self._pending if status == to_status],
                reason=IMPORT_REASON,
                source=ChangeSource.REGISTRATION
                if to_status == CodeStatus.ACTIVE
                else ChangeSource.OTHER,
                user=self._user,
            )


class AreaCodeResource(CodeStatusResource):
    table = AREA_CODES
    code = field("code", KeyWidget(keys.normalise_code))
    crop = field("crop", CropWidget())
    cooperative = field("cooperative", CooperativeWidget())
    certificate = field("certificate", CertificateWidget())
    commune = field("commune", CommuneWidget())

    class Meta:
        model = AreaCode
        import_id_fields = ["code"]
        fields = (
            "code",
            "kind",
            "crop",
            "variety",
            "cooperative",
            "certificate",
            "area_ha",
            "households",
            "average_yield_tonnes",
            "commune",
            "legacy_location",
            "latitude",
            "longitude",
            "issued_on",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True


class PackingHouseResource(CodeStatusResource):
    table = PACKING_HOUSES
    code = field("code", KeyWidget(keys.normalise_code))
    cooperative = field("cooperative", CooperativeWidget())
    commune = field("commune", CommuneWidget())

    class Meta:
        model = PackingHouse
        import_id_fields = ["code"]
        fields = (
            "code",
            "name",
            "operator",
            "address",
            "cooperative",
            "commune",
            "legacy_location",
            "issued_on",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True


RESOURCES = {
    Cooperative: CooperativeResource,
    VietGAPCertificate: CertificateResource,
    AreaCode: AreaCodeResource,
    PackingHouse: PackingHouseResource,
}

# One example row per resource, for the sample files offered on the import page.
SAMPLES = {
    Cooperative: {
        "tax_code": "5500000999",
        "name": "HTX Nông nghiệp Mẫu",
        "status": "active",
        "address": "Bản Mẫu",
        "commune": "04204",
        "representative": "Lò Văn Mẫu",
        "phone": "0212 3800000",
        "member_households": 25,
        "established_on": "2020-05-01",
    },
    VietGAPCertificate: {
        "body": "VietGAP-TT-13-09",
        "number": "VietGAP-TT-13-09-0999",
        "cooperative": "5500000999",
        "crop": "Nhãn",
        "area_ha": "12.5",
        "expected_yield_tonnes": "150",
        "commune": "04204",
        "issued_on": "2026-01-15",
        "expires_on": "2028-01-15",
    },
    AreaCode: {
        "code": "VN-SLOR-0999",
        "kind": "export",
        "crop": "Nhãn",
        "variety": "Nhãn muộn",
        "cooperative": "5500000999",
        "certificate": "VietGAP-TT-13-09-0999",
        "area_ha": "12.5",
        "households": 18,
        "commune": "Chiềng Khoong",
        "legacy_location": "xã Chiềng Khoong, huyện Sông Mã, tỉnh Sơn La",
        "issued_on": "2026-02-01",
        "status_AU": "active",
    },
    PackingHouse: {
        "code": "VN-SLPH-0999",
        "name": "Cơ sở đóng gói Mẫu",
        "operator": "Công ty Mẫu",
        "commune": "04168",
        "issued_on": "2026-02-01",
        "status_CN": "active",
    },
}


def sample_csv(model, language: str) -> str:
    """A sample file: the importable columns' headers in ``language`` and one example row."""
    resource = RESOURCES[model]()
    table = resource.table
    importable = set(resource._meta.fields)
    columns = [c for c in table.columns if c.key in importable]
    if table.per_market:
        columns += [
            c
            for c in table.market_columns(list(Market.objects.all()))
            if c.key.startswith("status_")
        ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with translation.override(language):
        writer.writerow([str(c.label) for c in columns])
    writer.writerow([SAMPLES[model].get(c.key, "") for c in columns])
    return "\ufeff" + buffer.getvalue()
