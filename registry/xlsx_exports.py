"""XLSX downloads: the rows of the CSV download (``exports.value_chunks``: the same columns,
filtering and ordering), written as typed cells.

- Text (codes, tax codes, commune codes, names) is a text cell formatted ``@``, so "04183"
  keeps its leading zero and Excel keeps what is typed into it as text. A text cell is never
  evaluated, so "=1+2" is written as it is, not as a formula: only text that already begins
  with the CSV's escape before a formula character gets the escape again ("'=x" → "''=x"),
  because an import removes exactly one (``exports.unescape_cell``).
- Dates and times are date cells (times in local time, to the second); numbers are numbers,
  shown with their decimal places.
- The header row is bold and frozen.

openpyxl's write-only mode writes each row to a temporary file as it comes; the workbook is
zipped into a spooled temporary file (in memory up to ``SPOOL_BYTES``, then on disk) that the
response streams. Rows are read from the database in chunks: memory does not grow with the
number of rows (``bench/`` measures it).
"""

import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry import exports
from registry.models import Market
from registry.tables import Table

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 8 * 1024 * 1024
STREAM_BLOCK = 64 * 1024
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def text_cell(sheet, text: str, bold: bool = False) -> WriteOnlyCell:
    """A cell that holds ``text`` as text, whatever it begins with."""
    if text.startswith(exports.ESCAPE) and exports.needs_escape(text):
        text = exports.ESCAPE + text
    # XML cannot hold control characters other than tab and line ends.
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
    cell.data_type = "s"  # openpyxl would make text starting with "=" a formula
    cell.number_format = TEXT_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def typed_cell(sheet, value):
    """A download's value as an XLSX cell (None for an empty one)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return text_cell(sheet, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, timezone.localtime(value).replace(tzinfo=None, microsecond=0))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value)
        places = -value.as_tuple().exponent
        cell.number_format = "0." + "0" * places if places > 0 else "0"
        return cell
    if isinstance(value, int | float):
        return value
    return text_cell(sheet, str(value))


def write_sheet(out: BinaryIO | str, title: str, header: list[str], rows: Iterable[list]) -> int:
    """Write a workbook of one sheet to ``out`` (a path or a binary file): the header bold and
    frozen, then each row as typed cells, in write-only mode. Every XLSX the registry writes
    (downloads, ``manage.py supervision_report``) is written here; answer the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(label) + 2)
    sheet.append([text_cell(sheet, label, bold=True) for label in header])
    count = 0
    for values in rows:
        sheet.append([typed_cell(sheet, value) for value in values])
        count += 1
    workbook.save(out)
    return count


def write_workbook(
    table: Table, queryset: QuerySet, out: BinaryIO | str, language: str | None = None
) -> int:
    """Write the download of ``queryset`` as a workbook to ``out`` (a path or a binary file);
    answer the number of rows written."""
    markets = list(Market.objects.all()) if table.per_market else []
    with translation.override(language or translation.get_language()):
        header = exports.headers(table, markets)
        labels = table.value_labels(markets)
        table = table.in_language(translation.get_language())
    rows = (
        values
        for chunk in exports.value_chunks(table, queryset, markets, labels)
        for values in chunk
    )
    return write_sheet(out, table.resource, header, rows)


def xlsx_response(table: Table, queryset: QuerySet, name: str, language=None) -> FileResponse:
    """The workbook as a download, streamed from a spooled temporary file."""
    # The response closes (and so deletes) the file once it has been sent.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        write_workbook(table, queryset, spool, language)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, as_attachment=True, filename=name, content_type=MEDIA_TYPE)
    response.block_size = STREAM_BLOCK
    return response
