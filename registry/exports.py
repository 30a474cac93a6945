"""CSV downloads that open correctly in Excel and stream.

- UTF-8 with a byte-order mark, so Excel shows "Chiềng Khoong" intact; ISO dates (times in
  local time, to the second); one header row in the reader's language; ``\\n`` line ends.
- Text cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed
  with ``'`` so that they cannot run as formulas; numbers are written as numbers.
- Memory does not grow with the row count, and the first bytes leave before the database has
  produced the last row.

On PostgreSQL the rows are PostgreSQL's own ``COPY (<the filtered ORM query>) TO STDOUT``,
with the columns, escaping and per-market aggregates expressed in the query
(``copy_queryset``), passed through in 64 kB chunks. Elsewhere (SQLite) a Python writer reads
``values_list().iterator()`` in chunks. ``tests/test_spreadsheets.py`` checks that both
produce the same bytes.
"""

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db import connections, models
from django.db.models import (
    Case,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, NullIf
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from registry.models import CertificateValidity, Market, SeasonMarket, TrademarkRight
from registry.rules import dates, queries, transitions
from registry.tables import Table

CHUNK = 2000
COPY_BUFFER = 64 * 1024
#: A text cell starting with one of these could run as a formula. Both escapes below, the
#: Python ``escape_cell`` and the SQL ``escaped``, are built from this one list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The prefix a neutralised cell gets. Text that already starts with it before a formula
#: character ("'=x") gets it too, so that ``unescape_cell`` can remove exactly what was added.
ESCAPE = "'"
# Optional escapes, then one of the characters ("-" first in the bracket, so not a range).
FORMULA_PATTERN = f"^{ESCAPE}*[" + "".join(sorted(FORMULA_STARTS, key=lambda c: c != "-")) + "]"
BOM = "\ufeff"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def escape_cell(value) -> str | int | float | Decimal:
    """A value as a CSV cell: numbers unchanged, text neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return ESCAPE + text if needs_escape(text) else text


def needs_escape(text: str) -> bool:
    return text.lstrip(ESCAPE).startswith(FORMULA_STARTS)


def unescape_cell(value):
    """The inverse of ``escape_cell`` for a cell read back from a downloaded file: exactly the
    prefix the download added is removed ("'=1+2" → "=1+2"), nothing else ("'abc" stays)."""
    if isinstance(value, str) and value.startswith(ESCAPE) and needs_escape(value[1:]):
        return value[1:]
    return value


class _Line:
    """A file-like object that hands back what csv.writer writes."""

    def write(self, value: str) -> str:
        return value


def _writer():
    return csv.writer(_Line(), lineterminator="\n")


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def headers(table: Table, markets: list[Market]) -> list[str]:
    return [str(column.label) for column in table.columns + table.market_columns(markets)]


def csv_lines(table: Table, queryset: QuerySet, language: str | None = None) -> Iterator[bytes]:
    """The CSV file as a stream of UTF-8 byte chunks, BOM and header first. Headers are
    rendered now, in ``language``; rows are read lazily."""
    markets = list(Market.objects.all()) if table.per_market else []
    with translation.override(language or translation.get_language()):
        header = (BOM + _writer().writerow(headers(table, markets))).encode()
        labels = table.value_labels(markets)
        table = table.in_language(translation.get_language())
    if connections[queryset.db].vendor == "postgresql":
        return _with_header(header, copy_rows(table, queryset, markets, labels))
    return _with_header(header, python_rows(table, queryset, markets, labels))


def _with_header(header: bytes, rows: Iterator[bytes]) -> Iterator[bytes]:
    yield header
    yield from rows


# --- PostgreSQL: COPY of the ORM query --------------------------------------------------------


def _field(model, path: str):
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)


def escaped(expression, output_field=None) -> Case:
    """The SQL form of ``escape_cell`` for text: formula-like text gets a leading ``'``, and
    empty text is written like NULL, as the Python writer writes both."""
    output_field = output_field or models.TextField()
    return Case(
        When(_StartsLikeFormula(expression), then=Concat(Value("'"), expression)),
        default=NullIf(expression, Value("")),
        output_field=output_field,
    )


class _StartsLikeFormula(Func):
    """SQL for ``needs_escape``: ``expression ~ FORMULA_PATTERN``."""

    arg_joiner = " ~ "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()

    def __init__(self, expression):
        super().__init__(expression, Value(FORMULA_PATTERN))


class _LocalTimestamp(Func):
    """``updated_at`` as local time to the second: the Python writer's DATETIME_FORMAT."""

    output_field = models.TextField()

    def __init__(self, expression):
        super().__init__(Value(settings.TIME_ZONE), expression)

    template = "to_char(timezone(%(expressions)s), 'YYYY-MM-DD\"T\"HH24:MI:SS')"


def _column_expression(model, column):
    if column.path.endswith("_state"):  # a table's computed column (Table.annotations)
        return F(column.path)
    field = _field(model, column.path)
    if isinstance(field, models.DateTimeField):
        return _LocalTimestamp(F(column.path))
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.CharField | models.TextField):
        return escaped(F(column.path))
    return F(column.path)


def labelled(path: str, labels: dict[str, str] | None):
    """A column of choices as SQL: each value's label (``registry.tables.Column.choices``)
    in a CASE, or the text as stored where no label is given."""
    if not labels:
        return escaped(F(path))
    return Case(
        *(When(**{path: value}, then=Value(label)) for value, label in labels.items()),
        default=escaped(F(path)),
        output_field=models.TextField(),
    )


def _validity_expression(prefix: str, labels: dict[str, str] | None = None):
    labels = labels or {}
    return Case(
        *(
            When(
                queries.certificate_validity_q(state, prefix=prefix),
                then=Value(labels.get(state, state)),
            )
            for state in CertificateValidity.values
        ),
        default=Value(None),
        output_field=models.TextField(),
    )


def copy_queryset(
    table: Table, queryset: QuerySet, markets: list[Market], labels: dict | None = None
) -> QuerySet:
    """The rows of the download as one query, each column an expression. A code's status for
    a market comes from a LEFT JOIN restricted to that market (one row at most per code), so
    the query needs no GROUP BY and PostgreSQL can stream it in the list's order."""
    expressions, relations, labels = {}, {}, labels or {}
    for index, column in enumerate(table.columns):
        name = f"c{index}"
        if column.path and column.choices:
            expressions[name] = labelled(column.path, labels.get(column.key))
        elif column.path:
            expressions[name] = _column_expression(table.model, column)
        elif column.key == "certificate_validity":
            expressions[name] = _validity_expression("certificate", labels.get(column.key))
        elif column.key == "validity":
            expressions[name] = _validity_expression("", labels.get(column.key))
        elif column.key == "trademarks":
            marks = (
                TrademarkRight.objects.filter(cooperative=OuterRef("pk"))
                .order_by()
                .values("cooperative")
                .annotate(marks=StringAgg("mark", "; ", order_by="mark"))
                .values("marks")
            )
            expressions[name] = escaped(Subquery(marks))
        elif column.key == "declarations":
            expressions[name] = escaped(Subquery(_declarations_sql()))
        elif column.key in MANY_TO_MANY_CODES:
            codes = (
                _through(table.model, column.key)
                .objects.filter(**{_owner(table.model, column.key): OuterRef("pk")})
                .order_by()
                .values(_owner(table.model, column.key))
                .annotate(
                    codes=StringAgg(
                        f"{_target(table.model, column.key)}__code",
                        "; ",
                        order_by=f"{_target(table.model, column.key)}__code",
                    )
                )
                .values("codes")
            )
            expressions[name] = escaped(Subquery(codes))
        else:
            raise ValueError(f"No SQL for column {column.key}")
    if table.per_market:
        for market in markets:
            relations[f"m_{market.pk}"] = FilteredRelation(
                "market_statuses", condition=Q(market_statuses__market_id=market.pk)
            )
        expressions["active_markets"] = NullIf(
            Func(
                Value("; "),
                *(
                    Case(
                        When(queries.active_now_q(prefix=f"m_{m.pk}"), then=Value(m.code)),
                        default=Value(None),
                        output_field=models.TextField(),
                    )
                    for m in markets
                ),
                function="CONCAT_WS",
                output_field=models.TextField(),
            ),
            Value(""),
            output_field=models.TextField(),
        )
        for market in markets:
            key = f"status_{market.code}"
            expressions[key] = labelled(f"m_{market.pk}__status", labels.get(key))
    names = list(expressions)
    return (
        table.annotated(queryset)
        .select_related(None)
        .prefetch_related(None)
        .annotate(**relations)
        .annotate(**expressions)
        .values_list(*names)
    )


def copy_rows(table, queryset, markets, labels=None) -> Iterator[bytes]:
    rows = copy_queryset(table, queryset, markets, labels)
    sql, params = rows.query.sql_with_params()
    connection = connections[queryset.db]
    buffer = bytearray()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for data in copy:
            buffer += data
            if len(buffer) >= COPY_BUFFER:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


# --- Elsewhere: a Python writer ---------------------------------------------------------------


def python_rows(table, queryset, markets, labels=None) -> Iterator[bytes]:
    writer = _writer()
    for rows in value_chunks(table, queryset, markets, labels):
        yield "".join(writer.writerow([escape_cell(cell) for cell in row]) for row in rows).encode()


def value_chunks(
    table: Table, queryset: QuerySet, markets: list[Market], labels: dict | None = None
) -> Iterator[list[list]]:
    """What a download contains, as Python values (text, numbers, dates, datetimes, None), in
    chunks of rows: the table's columns, then for codes the active markets and one status per
    market; choice values as ``labels`` give them (the download's language). The CSV's Python
    writer and the XLSX writer (``registry.xlsx_exports``) both write these rows; the COPY query
    is their SQL form."""
    labels = labels or {}
    keys = [column.key for column in table.columns + table.market_columns(markets)]
    paths = ["pk", *[c.path for c in table.columns if c.path], *table.extra_paths]
    position = {path: index for index, path in enumerate(paths)}
    rows = table.annotated(queryset).select_related(None).prefetch_related(None).values_list(*paths)
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        computed = _computed(table, chunk, position, markets)
        values = []
        for row in chunk:
            extra = computed.get(row[0], {})
            cells = [
                row[position[column.path]] if column.path else extra.get(column.key)
                for column in table.columns
            ]
            if table.per_market:
                statuses = extra.get("statuses", {})
                cells.append(
                    "; ".join(m.code for m in markets if transitions.is_active(statuses.get(m.pk)))
                )
                cells.extend(statuses.get(m.pk, "") for m in markets)
            if labels:
                cells = [labels.get(k, {}).get(c, c) for k, c in zip(keys, cells, strict=True)]
            values.append(cells)
        yield values


#: Computed columns named after a many-to-many field: the related records' codes, "CN; AU".
MANY_TO_MANY_CODES = {"markets"}


def _through(model, name: str):
    return model._meta.get_field(name).remote_field.through


def _owner(model, name: str) -> str:
    """The through model's foreign key to ``model`` (``inspection``)."""
    return model._meta.get_field(name).m2m_field_name()


def _target(model, name: str) -> str:
    """The through model's foreign key to the related model (``market``)."""
    return model._meta.get_field(name).m2m_reverse_field_name()


def _computed(table: Table, chunk: list[tuple], position: dict, markets) -> dict[int, dict]:
    """Values that are not plain columns, for one chunk of rows, in at most one query."""
    computed: dict[int, dict] = defaultdict(dict)
    keys = {column.key for column in table.columns if not column.path}
    pks = [row[0] for row in chunk]
    if table.per_market:
        current_model, _ = queries.status_models(table.model)
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
    for key in keys & MANY_TO_MANY_CODES:
        owner, target = _owner(table.model, key), _target(table.model, key)
        related = (
            _through(table.model, key)
            .objects.filter(**{f"{owner}__in": pks})
            .order_by(f"{target}__code")
            .values_list(owner, f"{target}__code")
        )
        for pk, code in related:
            codes = computed[pk].get(key)
            computed[pk][key] = f"{codes}; {code}" if codes else code
    if "declarations" in keys:
        for season_id, market, tonnes in (
            SeasonMarket.objects.filter(season_id__in=pks)
            .order_by("market__code")
            .values_list("season_id", "market__code", "tonnes")
        ):
            text = declaration_text(market, tonnes)
            before = computed[season_id].get("declarations")
            computed[season_id]["declarations"] = f"{before}; {text}" if before else text
    validity_key = "validity" if "validity" in keys else "certificate_validity"
    if validity_key in keys:
        prefix = "" if validity_key == "validity" else "certificate__"
        for row in chunk:
            expires_on = row[position[f"{prefix}expires_on"]]
            if expires_on is not None:
                computed[row[0]][validity_key] = dates.validity_of(
                    row[position[f"{prefix}issued_on"]],
                    expires_on,
                    row[position[f"{prefix}revoked_on"]],
                )
    return computed


def declaration_text(market_code: str, tonnes) -> str:
    """One market's declaration as a download writes it: ``CN: 12.50``."""
    return f"{market_code}: {tonnes}"


def _declarations_sql():
    """SQL for ``declaration_text``, joined with "; " in market order, per season."""
    return (
        SeasonMarket.objects.filter(season=OuterRef("pk"))
        .order_by()
        .values("season")
        .annotate(
            text=StringAgg(
                Concat(
                    "market__code",
                    Value(": "),
                    Func(F("tonnes"), function="CAST", template="CAST(%(expressions)s AS text)"),
                    output_field=models.TextField(),
                ),
                "; ",
                order_by="market__code",
            )
        )
        .values("text")
    )


def filename(
    table: Table, params: dict[str, list[str]] | None = None, extension: str = "csv"
) -> str:
    """``area-codes_market-AU_crop-longan_2026-11-25.csv``: resource, filters, date."""
    parts = [table.resource]
    for name, values in sorted((params or {}).items()):
        value = ",".join(v for v in values if v)
        if value:
            parts.append(re.sub(r"[^A-Za-z0-9,.-]+", "", f"{name}-{value}")[:60])
    parts.append(dates.today().isoformat())
    return "_".join(parts) + "." + extension


def csv_response(table: Table, queryset: QuerySet, name: str, language=None):
    response = StreamingHttpResponse(
        csv_lines(table, queryset, language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
