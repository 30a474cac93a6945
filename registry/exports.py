"""CSV downloads that open correctly in Excel and stream.

- UTF-8 with a byte-order mark, so Excel shows "Chiềng Khoong" intact; ISO dates; one header
  row in the reader's language.
- Text cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed
  with ``'`` so that they cannot run as formulas; numbers are written as numbers.
- Rows come from ``values_list().iterator()`` in chunks; per-market statuses and other
  computed columns are fetched once per chunk. Memory does not grow with the row count, and
  the first bytes leave before the database has produced the last row.
"""

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from registry import rules
from registry.models import CodeStatus, Market, TrademarkRight, VietGAPCertificate
from registry.tables import Table

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def escape_cell(value) -> str | int | float | Decimal:
    """A value as a CSV cell: numbers unchanged, text neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object that hands back what csv.writer writes."""

    def write(self, value: str) -> str:
        return value


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def headers(table: Table, markets: list[Market]) -> list[str]:
    return [str(column.label) for column in table.columns + table.market_columns(markets)]


def csv_lines(table: Table, queryset: QuerySet, language: str | None = None) -> Iterator[str]:
    """The CSV file as a stream of lines, BOM first. Headers are rendered now, in
    ``language``; rows are read lazily."""
    markets = list(Market.objects.all()) if table.per_market else []
    with translation.override(language or translation.get_language()):
        header_row = headers(table, markets)
    writer = csv.writer(_Line())
    return _stream(table, queryset, markets, writer, header_row)


def _stream(table, queryset, markets, writer, header_row):
    yield BOM + writer.writerow(header_row)
    paths = ["pk", *[c.path for c in table.columns if c.path], *table.extra_paths]
    position = {path: index for index, path in enumerate(paths)}
    rows = queryset.select_related(None).prefetch_related(None).values_list(*paths)
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        computed = _computed(table, chunk, position, markets)
        for row in chunk:
            extra = computed.get(row[0], {})
            cells = [
                row[position[column.path]] if column.path else extra.get(column.key)
                for column in table.columns
            ]
            if table.per_market:
                statuses = extra.get("statuses", {})
                cells.append(
                    "; ".join(m.code for m in markets if statuses.get(m.pk) == CodeStatus.ACTIVE)
                )
                cells.extend(statuses.get(m.pk, "") for m in markets)
            yield writer.writerow([escape_cell(cell) for cell in cells])


def _computed(table: Table, chunk: list[tuple], position: dict, markets) -> dict[int, dict]:
    """Values that are not plain columns, for one chunk of rows, in at most one query."""
    computed: dict[int, dict] = defaultdict(dict)
    keys = {column.key for column in table.columns if not column.path}
    pks = [row[0] for row in chunk]
    if table.per_market:
        current_model, _ = rules.status_models(table.model)
        for subject_id, market_id, status in current_model.objects.filter(
            subject_id__in=pks
        ).values_list("subject_id", "market_id", "status"):
            computed[subject_id].setdefault("statuses", {})[market_id] = status
    if "trademarks" in keys:
        for cooperative_id, mark in TrademarkRight.objects.filter(
            cooperative_id__in=pks
        ).values_list("cooperative_id", "mark"):
            marks = computed[cooperative_id].get("trademarks")
            computed[cooperative_id]["trademarks"] = f"{marks}; {mark}" if marks else mark
    validity_key = "validity" if "validity" in keys else "certificate_validity"
    if validity_key in keys:
        prefix = "" if validity_key == "validity" else "certificate__"
        for row in chunk:
            expires_on = row[position[f"{prefix}expires_on"]]
            if expires_on is not None:
                certificate = VietGAPCertificate(
                    expires_on=expires_on, revoked_on=row[position[f"{prefix}revoked_on"]]
                )
                computed[row[0]][validity_key] = rules.certificate_validity(certificate)
    return computed


def filename(table: Table, params: dict[str, list[str]] | None = None) -> str:
    """``area-codes_market-AU_crop-longan_2026-11-25.csv``: resource, filters, date."""
    parts = [table.resource]
    for name, values in sorted((params or {}).items()):
        value = ",".join(v for v in values if v)
        if value:
            parts.append(re.sub(r"[^A-Za-z0-9,.-]+", "", f"{name}-{value}")[:60])
    parts.append(rules.today().isoformat())
    return "_".join(parts) + ".csv"


def csv_response(table: Table, queryset: QuerySet, name: str, language=None):
    response = StreamingHttpResponse(
        csv_lines(table, queryset, language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
