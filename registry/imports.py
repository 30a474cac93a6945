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
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.tmp_storages import BaseStorage
from simple_history.models import HistoricalRecords

from registry import exports, inspection_feed, keys
from registry.choice_widget import ChoicesWidget
from registry.models import (
    AreaCode,
    CertificateValidity,
    CertificationBody,
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
    Season,
    SeasonMarket,
    SeasonStandard,
    VietGAPCertificate,
)
from registry.models.sources import overlap_message
from registry.rules import dates, queries, status_changes, tax_codes
from registry.tables import (
    AREA_CODES,
    CERTIFICATES,
    COOPERATIVES,
    GROWERS,
    INSPECTIONS,
    PACKING_HOUSE_SOURCES,
    PACKING_HOUSES,
    SEASONS,
    Table,
)
from registry.text import fold

#: stored as written (English), shown in the reader's language (registry.admin.mixins.shown_reason)
IMPORT_REASON = gettext_noop("Spreadsheet import")


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


def csv_text(data) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    return data.lstrip("\ufeff")


def read_rows(data, input_format) -> tuple[list, Iterator[list]]:
    """The header and an iterator over the data rows of an uploaded file, read as it goes (the
    row limit is checked as rows are read; blank rows are left out; XLSX in streaming mode)."""
    if isinstance(input_format, XLSX):
        return read_xlsx_rows(data)
    text = csv_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])

    def rows():
        for count, values in enumerate(reader, start=1):
            check_row_count(count)
            if any(value.strip() for value in values):
                yield values

    return header, rows()


def read_xlsx_rows(data: bytes) -> tuple[list, Iterator[list]]:
    import openpyxl

    check_xlsx_archive(data)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.active
    header = next(sheet.iter_rows(max_row=1, values_only=True), None)
    header = list((header or ())[: MAX_COLUMNS + 1])
    while header and header[-1] in (None, ""):
        header.pop()
    if len(header) > MAX_COLUMNS:
        book.close()
        raise ImportLimitError(
            _("The sheet has more than %(limit)s columns.") % {"limit": MAX_COLUMNS}
        )

    def rows():
        try:
            if not header:
                return
            width = len(header)
            for count, values in enumerate(
                sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=1
            ):
                check_row_count(count)
                if all(value is None or value == "" for value in values):
                    continue
                yield list(values) + [None] * (width - len(values))
        finally:
            book.close()

    return header, rows()


def count_rows(data, input_format) -> int:
    """The number of data rows, cheaply, to choose between the request and the worker: a
    CSV's rows as the csv module reads them, an XLSX's from the dimension its sheet declares,
    or counted as they stream when it declares none (openpyxl's write-only mode, which the
    registry's own downloads use, writes no dimension). Raises ``ImportLimitError`` like
    reading does."""
    if isinstance(input_format, XLSX):
        import openpyxl

        check_xlsx_archive(data)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            last = book.active.max_row
        finally:
            book.close()
        if last is not None:
            check_row_count(max(last - 1, 0))
            return max(last - 1, 0)
    _header, rows = read_rows(data, input_format)
    return sum(1 for _row in rows)


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
        self.check_age()

    def check_age(self) -> None:
        """``UploadExpired`` (and the file deleted) past ``IMPORT_FILE_MAX_AGE_HOURS``."""
        try:
            age = time.time() - self.path().stat().st_mtime
        except FileNotFoundError as error:
            raise UploadExpired(self.name) from error
        if age > settings.IMPORT_FILE_MAX_AGE_HOURS * 3600:
            self.remove()
            raise UploadExpired(self.name)

    def read(self):
        self.check_age()
        try:
            data = self.path().read_bytes()
        except FileNotFoundError as error:
            raise UploadExpired(self.name) from error
        if "b" in self.read_mode:
            return data
        return data.decode(self.encoding or "utf-8")

    def remove(self):
        """Delete the file, claimed or not."""
        with contextlib.suppress(UploadExpired):
            path = self.path()
            path.unlink(missing_ok=True)
            path.with_name(path.name.removesuffix(CLAIMED) + CLAIMED).unlink(missing_ok=True)
            path.with_name(path.name.removesuffix(CLAIMED)).unlink(missing_ok=True)


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
    """A related record named by any of several keys; unknown or ambiguous names are errors.

    Records are found in dictionaries, not one query per cell: ``load_all()`` fills them once
    per import (short lists: communes, crops, bodies), ``load(values)`` once per batch of rows
    with the values that batch names (cooperatives, certificates)."""

    noun = gettext_lazy("record")

    def load_all(self) -> None:
        """Called once per import."""

    def load(self, values: set[str]) -> None:
        """Called once per batch with the batch's non-empty cells of this column."""

    def find(self, value: str, row) -> list:
        raise NotImplementedError

    def key_of(self, record) -> str:
        """How the preview names a record (its natural key)."""
        return str(getattr(record, self.field))

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
    """By 5-digit code, or by name (diacritics ignored; "Chiềng Khoong" finds "Xã Chiềng
    Khoong": a name matches a whole name or its last words)."""

    noun = gettext_lazy("commune")

    def __init__(self):
        super().__init__(Commune, "code")
        self.by_code, self.by_name = None, None

    def load_all(self):
        self.by_code, self.by_name = {}, {}
        for commune in Commune.objects.only("code", "name", "province_id").select_related(
            "province"
        ):
            self.by_code[commune.code] = commune
            words = fold(commune.name).split()
            for start in range(len(words)):
                self.by_name.setdefault(" ".join(words[start:]), []).append(commune)

    def find(self, value, row):
        if self.by_code is None:
            self.load_all()
        if value.isdigit():
            found = self.by_code.get(keys.normalise_commune_code(value))
            return [found] if found else []
        return list(self.by_name.get(fold(value), []))


class CropWidget(NaturalKeyWidget):
    noun = gettext_lazy("crop")

    def __init__(self):
        super().__init__(Crop, "slug")
        self.crops = None

    def load_all(self):
        self.crops = list(Crop.objects.all())

    def find(self, value, row):
        if self.crops is None:
            self.load_all()
        slug, wanted = keys.normalise_crop_slug(value), fold(value)
        return [
            crop
            for crop in self.crops
            if crop.slug in {slug, wanted} or wanted in {fold(crop.name_vi), fold(crop.name_en)}
        ]

    def key_of(self, record):
        return record.name_vi


class CooperativeWidget(NaturalKeyWidget):
    noun = gettext_lazy("cooperative")

    def __init__(self):
        super().__init__(Cooperative, "tax_code")
        self.by_tax_code = {}

    def load(self, values):
        wanted = {keys.normalise_tax_code(v) for v in values} - set(self.by_tax_code)
        if len(self.by_tax_code) > 10 * settings.IMPORT_BATCH_SIZE:
            self.by_tax_code = {}  # memory stays bounded on a national file
        if wanted:
            for cooperative in Cooperative.objects.filter(tax_code__in=wanted):
                self.by_tax_code[cooperative.tax_code] = cooperative

    def find(self, value, row):
        tax_code = keys.normalise_tax_code(value)
        if tax_code not in self.by_tax_code:
            self.load({value})
        found = self.by_tax_code.get(tax_code)
        return [found] if found else []


class BodyWidget(NaturalKeyWidget):
    noun = gettext_lazy("certification body")

    def __init__(self):
        super().__init__(CertificationBody, "code")
        self.bodies = None

    def load_all(self):
        self.bodies = {}
        for body in CertificationBody.objects.all():
            self.bodies.setdefault(body.code, []).append(body)

    def find(self, value, row):
        if self.bodies is None:
            self.load_all()
        return list(self.bodies.get(value, []))


class CertificateWidget(NaturalKeyWidget):
    """By number; numbers are unique per body, so a clash is settled by the row's cooperative."""

    noun = gettext_lazy("certificate")

    def __init__(self):
        super().__init__(VietGAPCertificate, "number")
        self.by_number = {}

    def load(self, values):
        wanted = set(values) - set(self.by_number)
        if len(self.by_number) > 10 * settings.IMPORT_BATCH_SIZE:
            self.by_number = {}
        if wanted:
            for number in wanted:
                self.by_number[number] = []
            for certificate in VietGAPCertificate.objects.filter(number__in=wanted).select_related(
                "cooperative"
            ):
                self.by_number[certificate.number].append(certificate)

    def find(self, value, row):
        if value not in self.by_number:
            self.load({value})
        found = list(self.by_number[value])
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
    """The columns of one importable table (field definitions and natural-key widgets) for
    ``registry.import_engine``: headers in any language, foreign keys from dictionaries."""

    table: Table

    def key_widgets(self) -> dict[str, NaturalKeyWidget]:
        return {
            f.column_name: f.widget
            for f in self.get_import_fields()
            if isinstance(f.widget, NaturalKeyWidget)
        }

    def prepare_import(self, keys: list[str]) -> None:
        """Load the short lists the file's columns name, once per import."""
        for key, widget in self.key_widgets().items():
            if key in keys:
                widget.load_all()

    def prepare_batch(self, rows: list[dict]) -> None:
        """Load the records a batch of rows names, one query per column."""
        for key, widget in self.key_widgets().items():
            values = {str(row[key]).strip() for row in rows if row.get(key) not in (None, "")}
            if values:
                widget.load(values)

    def describe(self, model, name: str, values: dict) -> str:
        """A field's value before the import, as the file would write it (natural keys)."""
        model_field = model._meta.get_field(name)
        value = values.get(model_field.attname)
        if value is None:
            return ""
        if model_field.is_relation:
            widget = self.fields[name].widget
            record = model_field.related_model.objects.filter(pk=value).first()
            return widget.key_of(record) if record else str(value)
        return str(value)

    def header_keys(self, headers) -> list[str]:
        """Each header's column key. A header may be one column's key and another's label
        ("commune": the commune code's key and the commune name's English label). It is the
        label when another header of the row names the key's column by its label (a download:
        every header a label, "commune code" among them), else the key (a file written with
        keys)."""
        columns = self.header_labels()
        by_label, by_key = [], []
        for header in headers:
            wanted = fold(str(header or ""))
            by_label.append(next((k for k, labels in columns.items() if wanted in labels), None))
            by_key.append(next((k for k in columns if wanted == fold(k)), None))
        keys = []
        for index, header in enumerate(headers):
            label, key = by_label[index], by_key[index]
            if label and key and label != key:
                others = by_label[:index] + by_label[index + 1 :]
                keys.append(label if key in others else key)
            else:
                keys.append(key or label or str(header))
        return keys

    def header_labels(self) -> dict[str, set[str]]:
        if not hasattr(self, "_header_labels"):
            columns = (
                self.table.columns
                + self.table.import_columns
                + self.table.market_columns(self.markets())
            )
            self._header_labels = {}
            for column in columns:
                labels = set()
                for language in ("vi", "en"):
                    with translation.override(language):
                        labels.add(fold(str(column.label)))
                self._header_labels[column.key] = labels
        return self._header_labels

    def markets(self) -> list[Market]:
        if not hasattr(self, "_markets"):
            self._markets = list(Market.objects.all())
        return self._markets


class CooperativeResource(RegistryResource):
    table = COOPERATIVES
    tax_code = field("tax_code", KeyWidget(keys.normalise_tax_code))
    status = field("status", ChoicesWidget(CooperativeStatus))
    commune = field("commune", CommuneWidget())

    class Meta:
        model = Cooperative
        import_id_fields = ["tax_code"]
        fields = tuple(COOPERATIVES.writable_fields())


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


class CodeStatusResource(RegistryResource):
    """Adds the "status XX" columns: each non-empty cell that differs from the code's current
    status for XX becomes a status change, checked by the rules
    (``status_changes.transition_problem``) before anything is saved and recorded through
    ``status_changes.change_statuses``."""

    def prepare_statuses(self, existing: list) -> None:
        """The current statuses of a batch's existing codes: one query."""
        current_model, _history = queries.status_models(self._meta.model)
        self._current = {}
        if existing:
            for status in current_model.objects.filter(subject__in=[c.pk for c in existing]):
                self._current[(status.subject_id, status.market_id)] = status

    def status_names(self) -> dict[str, str]:
        if not hasattr(self, "_status_names"):
            names = {fold(label): value for value, label in CodeStatus.choices}
            names |= {value: value for value in CodeStatus.values}
            for value in CodeStatus.values:
                for language in ("vi", "en"):
                    with translation.override(language):
                        names[fold(str(CodeStatus(value).label))] = value
            self._status_names = names
        return self._status_names

    def pending_statuses(self, instance, cells: dict, user, may_change: bool):
        """([(market, from status, to status)], {column key: error}) for one row."""
        names = self.status_names()
        pending, errors = [], {}
        for market in self.markets():
            key = f"status_{market.code}"
            cell = fold(str(cells.get(key) or ""))
            if not cell:
                continue
            wanted = names.get(cell)
            if wanted is None:
                errors[key] = _("Unknown status: %(s)s") % {"s": cells[key]}
                continue
            now = self._current.get((instance.pk, market.pk)) if instance.pk else None
            if now is not None and now.status == wanted:
                continue
            problem = status_changes.transition_problem(
                instance, market, now, wanted, dates.today()
            )
            if problem:
                errors[key] = problem
            elif not may_change:
                errors[key] = _("You may not change the status of codes.")
            else:
                pending.append((market, now.status if now else "", wanted))
        return pending, errors


class AreaCodeResource(CodeStatusResource):
    table = AREA_CODES
    code = field("code", KeyWidget(keys.normalise_code))
    kind = field("kind", ChoicesWidget(CodeKind))
    crop = field("crop", CropWidget())
    cooperative = field("cooperative", CooperativeWidget())
    certificate = field("certificate", CertificateWidget())
    commune = field("commune", CommuneWidget())

    class Meta:
        model = AreaCode
        import_id_fields = ["code"]
        fields = tuple(AREA_CODES.writable_fields())


class PackingHouseResource(CodeStatusResource):
    table = PACKING_HOUSES
    code = field("code", KeyWidget(keys.normalise_code))
    cooperative = field("cooperative", CooperativeWidget())
    commune = field("commune", CommuneWidget())

    class Meta:
        model = PackingHouse
        import_id_fields = ["code"]
        fields = tuple(PACKING_HOUSES.writable_fields())


class InspectionIdWidget(widgets.Widget):
    """An inspection's id as the download writes it (``12``), or its reference (``INS-12``).
    Anything else is left for ``InspectionResource.validate_related`` to name as unknown."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().upper().removeprefix("INS-")
        return int(text) if text.isdigit() else None


class CodeWidget(NaturalKeyWidget):
    """A growing-area code or a packing house by its code, the batch's codes in one query."""

    def __init__(self, model, noun):
        super().__init__(model, "code")
        self.noun = noun
        self.by_code = {}

    def load(self, values):
        wanted = {keys.normalise_code(v) for v in values} - set(self.by_code)
        if len(self.by_code) > 10 * settings.IMPORT_BATCH_SIZE:
            self.by_code = {}
        if wanted:
            self.by_code |= dict.fromkeys(wanted)
            for record in self.model.objects.filter(code__in=wanted):
                self.by_code[record.code] = record

    def find(self, value, row):
        code = keys.normalise_code(value)
        if code not in self.by_code:
            self.load({value})
        found = self.by_code.get(code)
        return [found] if found else []


def market_codes(cell: str) -> list[str]:
    """ "CN; AU", "cn,au" or "CN AU" → ["CN", "AU"]."""
    return [code for code in re.split(r"[\s,;]+", cell.upper()) if code]


class InspectionResource(RegistryResource):
    """Inspections, matched by id: a row with an id (``12`` or ``INS-12``, as downloaded)
    updates that inspection, a row without one is a new inspection, an unknown id is an error.
    An inspection has no natural key (record numbers are optional, differ between offices and
    may be corrected). ``markets`` ("CN; AU", empty: every market) is a many-to-many column,
    compared and written a batch at a time (``validate_related``, ``write_related``). Samples
    and attachments are not imported. Saving a non-compliant inspection proposes a
    suspension and suspends nothing, as in the admin (``registry.rules.inspections``)."""

    table = INSPECTIONS
    id = fields.Field(attribute="id", column_name="id", widget=InspectionIdWidget(), readonly=True)
    code = field("code", CodeWidget(AreaCode, gettext_lazy("growing-area code")), "area_code")
    packing_house = field("packing_house", CodeWidget(PackingHouse, gettext_lazy("packing house")))
    kind = field("kind", ChoicesWidget(InspectionKind))
    result = field("result", ChoicesWidget(InspectionResult))

    class Meta:
        model = Inspection
        import_id_fields = ["id"]
        fields = ("id", "code", *INSPECTIONS.writable_fields())

    #: errors the model names by field, shown under the file's column
    COLUMN_OF = {"area_code": "code"}
    #: the change feed's events carry the markets, written by ``write_related``
    records_feed_after_related = True

    def validate_related(self, batch: list) -> None:
        """Unknown ids; the markets column, parsed, checked and compared with the markets the
        batch's inspections have now (one query)."""
        through = Inspection.markets.through
        markets = {market.code: market for market in self.markets()}
        existing = [row.instance.pk for row in batch if row.original is not None]
        current: dict[int, set[str]] = {pk: set() for pk in existing}
        if existing:
            for pk, code in through.objects.filter(inspection_id__in=existing).values_list(
                "inspection_id", "market__code"
            ):
                current[pk].add(code)
        self._markets_before, self._markets_after = current, {}
        for row in batch:
            for name, key in self.COLUMN_OF.items():
                if name in row.errors:
                    row.errors.setdefault(key, []).extend(row.errors.pop(name))
            if str(row.cells.get("id") or "").strip() and row.original is None:
                row.errors.setdefault("id", []).append(
                    _("Unknown inspection: %(value)s") % {"value": row.cells["id"]}
                )
            before = current.get(row.instance.pk, set()) if row.original is not None else set()
            after = before
            if "markets" in row.cells:
                wanted = market_codes(str(row.cells["markets"] or ""))
                unknown = [code for code in wanted if code not in markets]
                if unknown:
                    row.errors.setdefault("markets", []).append(
                        _("Unknown market: %(codes)s") % {"codes": ", ".join(unknown)}
                    )
                    continue
                after = set(wanted)
                if after != before:
                    row.related.append(
                        ("markets", "; ".join(sorted(before)), "; ".join(sorted(after)))
                    )
            self._markets_after[row.number] = {markets[code].pk for code in after}

    def write_related(self, batch: list, user) -> None:
        """Write the changed markets (the link rows of the batch's changed inspections: one
        delete, one insert), record a history entry for inspections whose only change is their
        markets, and give every history entry this import recorded its markets (the snapshot
        django-simple-history keeps of a many-to-many field; its bulk writes leave it out)."""
        through = Inspection.markets.through
        relinked = [row for row in batch if row.related]
        if existing := [row.instance.pk for row in relinked if row.original is not None]:
            through.objects.filter(inspection_id__in=existing).delete()
        links = [
            through(inspection_id=row.instance.pk, market_id=market_id)
            for row in relinked
            for market_id in sorted(self._markets_after[row.number])
        ]
        if links:
            through.objects.bulk_create(links)
        only_markets = [
            row.instance for row in relinked if row.kind == "update" and not row.changed
        ]
        if only_markets:
            now = timezone.now()
            Inspection.objects.filter(pk__in=[i.pk for i in only_markets]).update(updated_at=now)
            for instance in only_markets:
                instance.updated_at = now
            Inspection.history.bulk_history_create(
                only_markets,
                update=True,
                default_user=user,
                default_change_reason=IMPORT_REASON,
            )
        self.record_feed(batch)
        recorded = [  # every row the import wrote has a new history entry
            row.instance.pk
            for row in batch
            if row.kind in ("new", "update") and self._markets_after.get(row.number)
        ]
        if recorded:
            self.snapshot_markets(recorded)

    def record_feed(self, batch: list) -> None:
        """The change feed's events, with the markets now written: an ``inspection_result``
        per new inspection, an ``inspection_change`` per inspection whose result, kind, date
        or markets the file changed (``registry.inspection_feed``)."""
        codes = {market.pk: market.code for market in self.markets()}
        markets = {
            row.instance.pk: sorted(codes[pk] for pk in self._markets_after[row.number])
            for row in batch
            if row.kind in ("new", "update")
        }
        inspection_feed.record_inspections(
            [row.instance for row in batch if row.kind == "new"], markets=markets
        )
        inspection_feed.record_inspection_changes(
            [
                (
                    row.instance,
                    inspection_feed.shown(row.original),
                    sorted(self._markets_before[row.instance.pk]),
                )
                for row in batch
                if row.kind == "update"
            ],
            markets=markets,
        )

    @staticmethod
    def snapshot_markets(pks: list[int]) -> None:
        history = Inspection.history.model
        snapshot = HistoricalRecords.m2m_models[Inspection._meta.get_field("markets")]
        latest = dict(
            history.objects.filter(id__in=pks)
            .order_by()
            .values("id")
            .annotate(latest=Max("history_id"))
            .values_list("id", "latest")
        )
        snapshot.objects.bulk_create(
            snapshot(id=link_id, inspection_id=pk, market_id=market_id, history_id=latest[pk])
            for link_id, pk, market_id in Inspection.markets.through.objects.filter(
                inspection_id__in=pks
            ).values_list("id", "inspection_id", "market_id")
        )


def declared_tonnes(cell: str) -> tuple[dict[str, Decimal], list[str]]:
    """ "CN: 12.5; AU: 3" → ({"CN": Decimal("12.5"), "AU": Decimal("3")}, problems)."""
    found, problems = {}, []
    for part in (p.strip() for p in re.split(r"[;\n]+", cell or "")):
        if not part:
            continue
        market, _colon, tonnes = part.partition(":")
        market = keys.normalise_market_code(market.strip())
        try:
            amount = Decimal(tonnes.strip().replace(",", "."))
        except InvalidOperation:
            amount = None
        if not market or amount is None or not amount.is_finite() or amount < 0:
            problems.append(_("Write each market as “CN: 12.5” (got “%(part)s”).") % {"part": part})
        elif market in found:
            problems.append(_("Each market once: %(markets)s repeated.") % {"markets": market})
        else:
            found[market] = amount.quantize(Decimal("0.01"))
    return found, problems


class SeasonResource(RegistryResource):
    """Seasons, matched by code and crop year. ``declarations`` ("CN: 12.5; AU: 3", empty:
    none) replaces the season's export declarations when the column is present; declarations
    are written one by one, with their history (a season has a handful)."""

    table = SEASONS
    code = field("code", CodeWidget(AreaCode, gettext_lazy("growing-area code")), "area_code")
    standard = field("standard", ChoicesWidget(SeasonStandard))

    class Meta:
        model = Season
        import_id_fields = ["code", "crop_year"]
        fields = ("code", *[f for f in SEASONS.writable_fields() if f != "area_code"])

    COLUMN_OF = {"area_code": "code"}

    def validate_related(self, batch: list) -> None:
        markets = {market.code: market for market in self.markets()}
        existing = [row.instance.pk for row in batch if row.original is not None]
        current: dict[int, dict[str, Decimal]] = {pk: {} for pk in existing}
        if existing:
            for pk, code, tonnes in SeasonMarket.objects.filter(season_id__in=existing).values_list(
                "season_id", "market__code", "tonnes"
            ):
                current[pk][code] = tonnes
        self._declared = {}
        for row in batch:
            for name, key in self.COLUMN_OF.items():
                if name in row.errors:
                    row.errors.setdefault(key, []).extend(row.errors.pop(name))
            if "declarations" not in row.cells:
                continue
            wanted, problems = declared_tonnes(str(row.cells["declarations"] or ""))
            unknown = [code for code in wanted if code not in markets]
            if unknown:
                problems.append(_("Unknown market: %(codes)s") % {"codes": ", ".join(unknown)})
            if problems:
                row.errors.setdefault("declarations", []).extend(problems)
                continue
            before = current.get(row.instance.pk, {}) if row.original is not None else {}
            if wanted != before:
                row.related.append(
                    ("declarations", self.declared_text(before), self.declared_text(wanted))
                )
                self._declared[row.number] = {markets[c].pk: t for c, t in wanted.items()}

    @staticmethod
    def declared_text(declared: dict) -> str:
        return "; ".join(exports.declaration_text(m, t) for m, t in sorted(declared.items()))

    def write_related(self, batch: list, user) -> None:
        for row in batch:
            if row.number not in self._declared:
                continue
            wanted = dict(self._declared[row.number])
            for declaration in SeasonMarket.objects.filter(season=row.instance):
                tonnes = wanted.pop(declaration.market_id, None)
                if tonnes is None:
                    declaration.delete()
                elif tonnes != declaration.tonnes:
                    declaration.tonnes = tonnes
                    declaration.save()
            for market_id, tonnes in wanted.items():
                SeasonMarket.objects.create(season=row.instance, market_id=market_id, tonnes=tonnes)


class MarketWidget(NaturalKeyWidget):
    """A market by its code (``CN``, ``cn``)."""

    noun = gettext_lazy("market")

    def __init__(self):
        super().__init__(Market, "code")
        self.by_code = None

    def load_all(self):
        self.by_code = {market.code: market for market in Market.objects.all()}

    def find(self, value, row):
        if self.by_code is None:
            self.load_all()
        found = self.by_code.get(keys.normalise_market_code(value))
        return [found] if found else []


class PackingHouseSourceResource(RegistryResource):
    """Links of packing houses to growing-area codes per market, matched by their natural key
    (packing house, code, market, first day): a row naming an existing link updates its end,
    number and note; any other row is a new link. Overlapping windows (with the registry or
    with earlier rows of the file) are refused a batch at a time (``validate_related``: one
    query), so the model's ``clean()`` does not ask for each row."""

    table = PACKING_HOUSE_SOURCES
    packing_house = field("packing_house", CodeWidget(PackingHouse, gettext_lazy("packing house")))
    code = field("code", CodeWidget(AreaCode, gettext_lazy("growing-area code")), "area_code")
    market = field("market", MarketWidget())

    class Meta:
        model = PackingHouseSource
        import_id_fields = ["packing_house", "code", "market", "valid_from"]
        fields = ("code", *PACKING_HOUSE_SOURCES.writable_fields())

    def prepare_import(self, keys_: list[str]) -> None:
        super().prepare_import(keys_)
        self._file_windows: dict[tuple, list] = {}  # earlier rows of the file, by pair+market

    def validate_related(self, batch: list) -> None:
        for row in batch:
            if "area_code" in row.errors:
                row.errors.setdefault("code", []).extend(row.errors.pop("area_code"))
        rows = [
            row
            for row in batch
            if not row.errors
            and row.instance.packing_house_id
            and row.instance.area_code_id
            and row.instance.market_id
            and row.instance.valid_from
        ]
        if not rows:
            return
        triples = {
            (r.instance.packing_house_id, r.instance.area_code_id, r.instance.market_id)
            for r in rows
        }
        stored: dict[tuple, list] = {}
        for link in PackingHouseSource.objects.filter(
            packing_house_id__in={t[0] for t in triples},
            area_code_id__in={t[1] for t in triples},
            market_id__in={t[2] for t in triples},
        ).values_list(
            "pk", "packing_house_id", "area_code_id", "market_id", "valid_from", "valid_until"
        ):
            stored.setdefault(link[1:4], []).append((link[0], link[4], link[5]))
        for row in rows:
            link = row.instance
            triple = (link.packing_house_id, link.area_code_id, link.market_id)
            others = [
                (start, end) for pk, start, end in stored.get(triple, []) if pk != link.pk
            ] + self._file_windows.get(triple, [])
            clash = next(
                (
                    (start, end)
                    for start, end in others
                    if (end is None or end >= link.valid_from)
                    and (link.valid_until is None or start <= link.valid_until)
                ),
                None,
            )
            if clash is not None:
                row.errors.setdefault("valid_from", []).append(overlap_message(*clash))
                continue
            self._file_windows.setdefault(triple, []).append((link.valid_from, link.valid_until))


class GrowerResource(RegistryResource):
    """Growers, matched by code and name (a household's name is unique within its area): a
    row naming an existing grower updates its plot area and phone. The id column of the
    download is for reading only."""

    table = GROWERS
    code = field("code", CodeWidget(AreaCode, gettext_lazy("growing-area code")), "area_code")

    class Meta:
        model = Grower
        import_id_fields = ["code", "name"]
        fields = ("code", *GROWERS.writable_fields())

    def validate_related(self, batch: list) -> None:
        for row in batch:
            if "area_code" in row.errors:
                row.errors.setdefault("code", []).extend(row.errors.pop("area_code"))


RESOURCES = {
    Season: SeasonResource,
    Grower: GrowerResource,
    PackingHouseSource: PackingHouseSourceResource,
    Inspection: InspectionResource,
    Cooperative: CooperativeResource,
    VietGAPCertificate: CertificateResource,
    AreaCode: AreaCodeResource,
    PackingHouse: PackingHouseResource,
}

# One example row per resource, for the sample files offered on the import page.
SAMPLE_TAX_CODE = tax_codes.tax_code(999)  # fictitious, with its check digit
SAMPLES = {
    Cooperative: {
        "tax_code": SAMPLE_TAX_CODE,
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
        "cooperative": SAMPLE_TAX_CODE,
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
        "cooperative": SAMPLE_TAX_CODE,
        "certificate": "VietGAP-TT-13-09-0999",
        "area_ha": "12.5",
        "households": 18,
        "commune": "Chiềng Khoong",
        "legacy_location": "xã Chiềng Khoong, huyện Sông Mã, tỉnh Sơn La",
        "issued_on": "2026-02-01",
        "status_AU": "active",
    },
    Inspection: {
        "id": "",
        "code": "VN-SLOR-0001",
        "inspected_on": "2026-01-15",
        "inspecting_body": "Chi cục Trồng trọt và Bảo vệ thực vật Sơn La",
        "inspectors": "Lò Văn Mẫu; Cầm Thị Mẫu",
        "kind": "periodic",
        "result": "findings_to_correct",
        "findings": "Nhật ký sử dụng thuốc bảo vệ thực vật chưa ghi đủ (ví dụ, không có thật)",
        "corrective_action_deadline": "2026-02-15",
        "record_number": "BB-MAU-0999",
        "markets": "CN",
    },
    Season: {
        "code": "VN-SLOR-0001",
        "crop_year": 2026,
        "variety": "Nhãn muộn",
        "area_ha": "",
        "standard": "vietgap",
        "expected_tonnes": "60",
        "harvest_start": "2026-08-01",
        "harvest_end": "2026-09-15",
        "actual_tonnes": "",
        "notes": "Ví dụ, không có thật",
        "declarations": "CN: 30; AU: 5",
    },
    Grower: {
        "code": "VN-SLOR-0001",
        "name": "Lò Văn Mẫu (hư cấu)",
        "plot_area_ha": "1.2",
        "phone": "",
    },
    PackingHouseSource: {
        "packing_house": "VN-SLPH-0001",
        "code": "VN-SLOR-0001",
        "market": "CN",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "registration_number": "GACC-MAU-0999 (ví dụ, không có thật)",
        "note": "",
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
    columns = [c for c in table.columns + table.import_columns if c.key in importable]
    if model is Inspection:
        columns.append(next(c for c in table.columns if c.key == "markets"))
    if model is Season:
        columns.append(next(c for c in table.columns if c.key == "declarations"))
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
    elif model is Inspection:
        code = AreaCode.objects.order_by("pk").first()
        market = Market.objects.filter(code="CN").first() or Market.objects.order_by("pk").first()
        inspected_on = dates.add_months(dates.today(), -1)
        row |= {
            "code": code.code if code else row["code"],
            "markets": market.code if market else "",
            "inspected_on": inspected_on.isoformat(),
            "corrective_action_deadline": dates.add_months(inspected_on, 2).isoformat(),
        }
    elif model is Season:
        code = AreaCode.objects.order_by("pk").first()
        year = dates.today().year + 1  # a year the sample data has no season for
        row |= {
            "code": code.code if code else row["code"],
            "crop_year": year,
            "harvest_start": f"{year}-08-01",
            "harvest_end": f"{year}-09-15",
        }
    elif model is Grower:
        code = AreaCode.objects.order_by("pk").first()
        row["code"] = code.code if code else row["code"]
    elif model is PackingHouseSource:
        house = PackingHouse.objects.order_by("pk").first()
        code = AreaCode.objects.exclude(packing_house_links__packing_house=house).order_by("pk")
        code = code.first()
        market = Market.objects.filter(code="CN").first() or Market.objects.order_by("pk").first()
        row |= {
            "packing_house": house.code if house else row["packing_house"],
            "code": code.code if code else row["code"],
            "market": market.code if market else row["market"],
            "valid_from": dates.today().isoformat(),
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
