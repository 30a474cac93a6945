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
- Confirming reads the file again and re-validates every row against the database as it is
  then: if any row fails, nothing is written and the errors are shown (``registry.admin``).
- Uploads are bounded (settings ``IMPORT_MAX_*``): the file's size, an XLSX's uncompressed size
  and compression ratio, checked from the zip's directory before openpyxl opens it, and the
  number of rows, counted as they are read; XLSX is read in openpyxl's streaming mode.
- A previewed file waits in ``UploadStorage`` (``IMPORT_TMP_DIR``) until it is confirmed, which
  deletes it; ``expire_uploads`` (``manage.py expire_import_files``) deletes the others.
"""

import contextlib
import csv
import io
import os
import re
import tempfile
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.tmp_storages import BaseStorage

from registry import exports, keys
from registry.models import (
    AreaCode,
    CertificateValidity,
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
from registry.rules import dates, queries, status_changes
from registry.tables import AREA_CODES, CERTIFICATES, COOPERATIVES, PACKING_HOUSES, Table
from registry.text import fold

IMPORT_REASON = "Spreadsheet import"


# --- Limits ----------------------------------------------------------------------------------


class ImportLimitError(ValueError):
    """A file refused before it is imported; its message is shown in the import form."""


# Parts of an XLSX smaller than this may compress as well as they like.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# More columns than any table has, by far; bounds the cells read per row.
MAX_COLUMNS = 1000
# A real workbook has a few dozen parts.
MAX_ARCHIVE_ENTRIES = 10000


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportLimitError(
            _("The file is %(size)s MB; files of at most %(limit)s MB can be imported.")
            % {"size": megabytes(size), "limit": megabytes(limit)}
        )


def check_row_count(count: int) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if count > limit:
        raise ImportLimitError(
            _("The file has more than %(limit)s rows; split it into smaller files.")
            % {"limit": f"{limit:,}"}
        )


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an XLSX (a zip) whose parts would unpack to more than the limit, or unpack from
    suspiciously little, from the sizes its directory declares (Python's zip reader never
    returns more than the declared size), before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportLimitError(_("The file is not a valid XLSX workbook.")) from error
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ImportLimitError(_("The file is not a valid XLSX workbook."))
    total = sum(entry.file_size for entry in entries)
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise ImportLimitError(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed; "
                "split it into smaller files or save it as CSV."
            )
            % {"size": megabytes(total), "limit": megabytes(limit)}
        )
    ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
    for entry in entries:
        if entry.file_size >= RATIO_CHECKED_FROM_BYTES and entry.file_size > ratio * max(
            entry.compress_size, 1
        ):
            raise ImportLimitError(
                _(
                    "The workbook is compressed more than %(ratio)s to 1, which no real "
                    "spreadsheet is; it was refused."
                )
                % {"ratio": ratio}
            )


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
        rows = csv.reader(io.StringIO(in_stream), delimiter=delimiter)
        for count, _row in enumerate(rows):  # the header is row 0
            check_row_count(count)
        return tablib.import_set(in_stream, format="csv", delimiter=delimiter)


class XLSX(base_formats.XLSX):
    """The first sheet of a workbook, checked (``check_xlsx_archive``) before openpyxl opens it,
    then read in streaming mode (``read_only``; values, not formulas), row by row: no wider
    than its header, blank rows left out, refused as soon as there are too many rows."""

    def create_dataset(self, in_stream):
        import openpyxl

        check_xlsx_archive(in_stream)
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            return self.read_sheet(book.active)
        finally:
            book.close()

    def read_sheet(self, sheet) -> tablib.Dataset:
        dataset = tablib.Dataset()
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        if header is None:
            return dataset
        header = list(header[: MAX_COLUMNS + 1])
        while header and header[-1] in (None, ""):
            header.pop()
        if len(header) > MAX_COLUMNS:
            raise ImportLimitError(
                _("The sheet has more than %(limit)s columns.") % {"limit": MAX_COLUMNS}
            )
        if not header:
            return dataset
        dataset.headers = header
        width = len(header)
        count = 0
        for values in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
            count += 1
            check_row_count(count)
            if all(value is None or value == "" for value in values):
                continue
            dataset.append(list(values) + [None] * (width - len(values)))
        return dataset


IMPORT_FORMATS = [CSV, XLSX]


# --- Previewed files -------------------------------------------------------------------------


def upload_directory() -> Path:
    return Path(settings.IMPORT_TMP_DIR or Path(tempfile.gettempdir()) / "vung-trong-imports")


UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")
CLAIMED = ".claimed"
STORED_NAME = re.compile(rf"[0-9a-f]{{32}}(\{CLAIMED})?")


class UploadExpired(FileNotFoundError):
    """The previewed file is gone: confirmed already, expired, or never there."""


class UploadStorage(BaseStorage):
    """Where django-import-export keeps an uploaded file between preview and confirmation
    (``ImportMixin.tmp_storage_class``): one file per preview in ``upload_directory()``, named
    by a random hex string; a name of any other shape, or a file older than
    ``IMPORT_FILE_MAX_AGE_HOURS``, reads as expired. The confirmation ``claim()``s the file
    first (an atomic rename), so that two confirmations of one preview cannot both import it."""

    claimed = False

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        directory = upload_directory()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.name = os.urandom(16).hex()
        descriptor = os.open(directory / self.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def path(self) -> Path:
        if not UPLOAD_NAME.fullmatch(self.name or ""):
            raise UploadExpired(self.name)
        return upload_directory() / (self.name + (CLAIMED if self.claimed else ""))

    def claim(self) -> None:
        """Take the file for this confirmation alone; ``UploadExpired`` if it is gone."""
        unclaimed = self.path()
        try:
            unclaimed.rename(unclaimed.with_name(unclaimed.name + CLAIMED))
        except FileNotFoundError as error:
            raise UploadExpired(self.name) from error
        self.claimed = True

    def read(self):
        path = self.path()
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError as error:
            raise UploadExpired(self.name) from error
        if age > settings.IMPORT_FILE_MAX_AGE_HOURS * 3600:
            self.remove()
            raise UploadExpired(self.name)
        data = path.read_bytes()
        if "b" in self.read_mode:
            return data
        return data.decode(self.encoding or "utf-8")

    def remove(self):
        with contextlib.suppress(UploadExpired):
            self.path().unlink(missing_ok=True)


def expire_uploads(older_than_hours: float) -> tuple[int, int]:
    """Delete previewed files older than ``older_than_hours``; return (deleted, kept)."""
    directory = upload_directory()
    if not directory.is_dir():
        return 0, 0
    cutoff = time.time() - older_than_hours * 3600
    deleted = kept = 0
    for path in directory.iterdir():
        if not STORED_NAME.fullmatch(path.name) or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
            else:
                kept += 1
        except FileNotFoundError:  # confirmed meanwhile
            continue
    return deleted, kept


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


#: Keys written with leading zeros, which a spreadsheet program drops when it makes them numbers.
KEY_DIGITS = {"tax_code": 10, "cooperative": 10, "commune": 5}


def cell_as_written(key: str, value):
    """A cell as the registry's download wrote it, after Excel or LibreOffice had it: an empty
    cell is empty text (not NULL); a number is its digits again (``4204`` → ``04204`` for a
    commune, ``6.5`` stays ``6.5``, so values are compared as values, not as spellings); a cell
    the download neutralised against formulas loses exactly the prefix it was given."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(KEY_DIGITS.get(key, 0))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, date):  # a date cell (XLSX): the ISO text the CSV has
        return value.isoformat()
    return exports.unescape_cell(value)


class RegistryResource(resources.ModelResource):
    """Headers in any language, history reason for imported rows, all-or-nothing."""

    table: Table

    def before_import(self, dataset, **kwargs):
        keys = [self.header_key(header) for header in dataset.headers]
        self._headers = {
            key: str(header) for key, header in zip(keys, dataset.headers, strict=True)
        }
        dataset.headers = keys
        # Cells as the download wrote them, whatever a spreadsheet program made of them.
        for index in range(len(dataset)):
            dataset[index] = tuple(
                cell_as_written(key, cell) for key, cell in zip(keys, dataset[index], strict=False)
            )
        super().before_import(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.problems = self.problems(dataset, result)

    def problems(self, dataset, result) -> list[dict]:
        """Each validation error of the import as the administrator's file shows it: row
        number, column (its header in the file), the cell's value, and the message."""
        headers = getattr(self, "_headers", {})
        problems = []
        for invalid in result.invalid_rows:
            row = dict(zip(dataset.headers, dataset[invalid.number - 1], strict=False))
            for key, messages in invalid.error_dict.items():
                if key == NON_FIELD_ERRORS:
                    column, value = "", ""
                else:
                    column, value = headers.get(key, key), row.get(key)
                for message in messages:
                    problems.append(
                        {
                            "row": invalid.number,
                            "field": key if key != NON_FIELD_ERRORS else "",
                            "column": column,
                            "value": "" if value is None else str(value),
                            "message": str(message),
                        }
                    )
        return problems

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
        fields = tuple(COOPERATIVES.writable_fields())
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
        fields = tuple(CERTIFICATES.writable_fields())
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
        fields = tuple(AREA_CODES.writable_fields())
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
        fields = tuple(PACKING_HOUSES.writable_fields())
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
    row = sample_row(model)
    writer.writerow([row.get(c.key, "") for c in columns])
    return "\ufeff" + buffer.getvalue()


def sample_row(model) -> dict:
    """The example row, naming records that exist in this registry (its cooperative, body,
    certificate, crop and commune), so that the sample file imports cleanly as it is."""
    row = dict(SAMPLES[model])
    if model is VietGAPCertificate:
        cooperative = Cooperative.objects.order_by("pk").first()
        body = VietGAPCertificate._meta.get_field("body").related_model.objects.first()
        if cooperative and body:
            row |= {
                "cooperative": cooperative.tax_code,
                "body": body.code,
                "commune": cooperative.commune_id,
                "number": f"{body.code}-MAU-0999",
            }
    elif model is AreaCode:
        certificate = (
            VietGAPCertificate.objects.filter(
                queries.certificate_validity_q(CertificateValidity.VALID)
            )
            .select_related("cooperative", "crop")
            .order_by("pk")
            .first()
        )
        if certificate:
            row |= {
                "cooperative": certificate.cooperative.tax_code,
                "certificate": certificate.number,
                "crop": certificate.crop.name_vi,
                "commune": certificate.commune_id,
            }
    return row
