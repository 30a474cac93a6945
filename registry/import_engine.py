"""The spreadsheet import's engine: rows in batches, foreign keys from per-batch dictionaries,
comparison in Python, bulk writes.

It runs the field definitions of the import resources (``registry.imports``: columns, widgets,
natural keys) but not django-import-export's row-by-row loop, which asked the database
several times per row (about 39 queries for an area code). Here each batch of
``IMPORT_BATCH_SIZE`` rows costs a constant number of queries:

- the records the batch names (cooperatives, certificates, existing rows by natural key, their
  market statuses) are loaded once per batch, the small lists (communes, crops, bodies,
  markets) once per import;
- every row is validated as before (widgets, the model's field validation and ``clean()``,
  status transitions through ``registry.rules.status_changes``), and its errors keep their
  row, column and value; uniqueness is checked for the whole batch at once (against the
  registry and against earlier rows of the file);
- unchanged rows are left alone (compared as values, after the same normalisation as a save);
  new rows are written with ``bulk_create_with_history``, changed rows with
  ``bulk_update_with_history`` (one history entry each, none for unchanged rows), status cells
  with ``change_statuses``.

What is kept in memory is one batch, the counts, and the capped lists of errors and changed
rows (``Summary``) that the preview shows: never the whole file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry import changes as change_feed
from registry.models import ChangeSource, CodeStatus
from registry.rules import status_changes

NEW, UPDATE, SKIP, ERROR = "new", "update", "skip", "error"


class ImportRefused(Exception):
    """The application found errors: nothing was written. ``summary`` lists them."""

    def __init__(self, summary: Summary):
        super().__init__(f"{summary.counts[ERROR]} rows with errors")
        self.summary = summary


@dataclass
class Summary:
    """What an import found: counts, every error (capped), the changed rows (capped)."""

    counts: dict = field(default_factory=lambda: {NEW: 0, UPDATE: 0, SKIP: 0, ERROR: 0})
    problems: list = field(default_factory=list)
    problems_total: int = 0
    changes: list = field(default_factory=list)
    changes_total: int = 0
    rows: int = 0
    #: each header of the file → its column's key (the preview names columns by their label)
    columns: dict = field(default_factory=dict)

    def add_problems(self, problems: list[dict]) -> None:
        self.problems_total += len(problems)
        room = settings.IMPORT_PREVIEW_MAX_ERRORS - len(self.problems)
        self.problems.extend(problems[: max(room, 0)])

    def add_change(self, change: dict) -> None:
        self.changes_total += 1
        if len(self.changes) < settings.IMPORT_PREVIEW_MAX_CHANGES:
            self.changes.append(change)

    @property
    def has_errors(self) -> bool:
        return self.counts[ERROR] > 0

    def as_json(self) -> dict:
        return {
            "counts": self.counts,
            "problems": self.problems,
            "problems_total": self.problems_total,
            "changes": self.changes,
            "changes_total": self.changes_total,
            "rows": self.rows,
            "columns": self.columns,
        }


@dataclass
class Row:
    number: int
    cells: dict
    instance: models.Model | None = None
    original: dict | None = None  # attname -> value before the row, for existing records
    errors: dict = field(default_factory=dict)  # column key -> [messages]
    changed: list = field(default_factory=list)  # changed field names
    statuses: list = field(default_factory=list)  # [(market, from, to)]
    related: list = field(default_factory=list)  # [(column key, before, after)]: many-to-many

    @property
    def kind(self) -> str:
        if self.errors:
            return ERROR
        if self.original is None:
            return NEW
        return UPDATE if self.changed or self.statuses or self.related else SKIP


Progress = Callable[[int, int], None]  # (rows done, rows with errors so far)


class Engine:
    """One import of one file into one resource, by one user."""

    def __init__(
        self,
        resource,
        user,
        progress: Progress | None = None,
        pace: Callable[[], None] | None = None,
    ):
        self.resource = resource
        self.user = user
        self.model = resource._meta.model
        self.progress = progress or (lambda done, errors: None)
        self.pace = pace or (lambda: None)  # between batches: a background job's ``Pacer``
        self.fields = [f for f in resource.get_import_fields() if f.attribute]
        self.id_fields = [resource.fields[name] for name in resource._meta.import_id_fields]
        self.headers: dict[str, str] = {}
        self.seen_keys: dict = {}  # natural key -> first row number
        self.may_change_status = status_changes.may_change_status(user, self.model)

    # --- Reading ---------------------------------------------------------------------------

    def keyed_rows(self, header: list, rows: Iterable[list]) -> Iterator[tuple[int, dict]]:
        """Each data row as ``(number, {column key: cell as written})``; number 1 is the first
        row under the header."""
        from registry.imports import cell_as_written

        keys = self.resource.header_keys(header)
        self.headers = {key: str(h) for key, h in zip(keys, header, strict=True)}
        for number, values in enumerate(rows, start=1):
            yield (
                number,
                {
                    key: cell_as_written(key, value)
                    for key, value in zip(keys, values, strict=False)
                },
            )

    def batches(self, header, rows) -> Iterator[list[Row]]:
        batch = []
        for number, cells in self.keyed_rows(header, rows):
            batch.append(Row(number, cells))
            if len(batch) >= settings.IMPORT_BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    # --- The two passes ----------------------------------------------------------------------

    def preview(self, header, rows) -> Summary:
        """Validate and compare every row; write nothing."""
        summary = Summary(columns=self.columns_of(header))
        self.resource.prepare_import(self.headers_keys(header))
        for batch in self.batches(header, rows):
            self.validate(batch)
            self.summarise(batch, summary)
            self.progress(summary.rows, summary.counts[ERROR])
            self.pace()
        return summary

    def apply(self, header, rows) -> Summary:
        """Validate every row against the registry as it is now and write the new and changed
        ones, all in one transaction: ``ImportRefused`` (nothing written) if any row fails."""
        summary = Summary(columns=self.columns_of(header))
        self.resource.prepare_import(self.headers_keys(header))
        try:
            with transaction.atomic():
                for batch in self.batches(header, rows):
                    self.validate(batch)
                    self.summarise(batch, summary)
                    if not summary.has_errors:
                        self.write(batch, summary)
                    self.progress(summary.rows, summary.counts[ERROR])
                    self.pace()
                if summary.has_errors:
                    raise ImportRefused(summary)
        except IntegrityError as error:  # a constraint only the database checks
            summary.counts[ERROR] += 1
            summary.add_problems([problem(0, "", "", "", str(error).splitlines()[0])])
            raise ImportRefused(summary) from error
        return summary

    def headers_keys(self, header) -> list[str]:
        return self.resource.header_keys(header)

    def columns_of(self, header) -> dict[str, str]:
        return {str(h): key for h, key in zip(header, self.headers_keys(header), strict=True)}

    # --- Validation --------------------------------------------------------------------------

    def validate(self, batch: list[Row]) -> None:
        self.resource.prepare_batch([row.cells for row in batch])
        existing = self.existing(batch)
        for row in batch:
            key = self.natural_key(row)
            found = existing.get(key) if key is not None else None
            if key is not None:
                first = self.seen_keys.setdefault(key, row.number)
                if first != row.number:
                    row.errors.setdefault(self.id_fields[-1].column_name, []).append(
                        _("This record is already in row %(row)s of the file.") % {"row": first}
                    )
            if found is not None:
                row.instance = found
                row.original = self.values(found)
            else:
                row.instance = self.model()
            self.validate_row(row)
        if hasattr(self.resource, "prepare_statuses"):
            self.resource.prepare_statuses([r.instance for r in batch if r.original is not None])
            for row in batch:
                self.validate_statuses(row)
        if hasattr(self.resource, "validate_related"):  # many-to-many columns, a batch at once
            self.resource.validate_related(batch)

    def natural_key(self, row: Row):
        values = []
        for id_field in self.id_fields:
            try:
                value = id_field.clean(row.cells)
            except (ValueError, KeyError):
                return None
            if value in (None, ""):
                return None
            values.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(values)

    def existing(self, batch: list[Row]) -> dict:
        """The batch's records already in the registry, by natural key: one query."""
        keys = {key for row in batch if (key := self.natural_key(row)) is not None}
        if not keys:
            return {}
        lookups = {}
        for position, id_field in enumerate(self.id_fields):
            name = self.model._meta.get_field(id_field.attribute).attname
            lookups[f"{name}__in"] = {key[position] for key in keys}
        found = {}
        for record in self.model.objects.filter(**lookups):
            key = tuple(
                getattr(record, self.model._meta.get_field(f.attribute).attname)
                for f in self.id_fields
            )
            if key in keys:
                found[key] = record
        return found

    def validate_row(self, row: Row) -> None:
        instance = row.instance
        for column in self.fields:
            if column.column_name not in row.cells:
                continue
            try:
                column.save(instance, row.cells)
            except ValueError as error:
                row.errors.setdefault(column.column_name, []).append(str(error))
        instance.normalise_text()
        instance.code_checked_unique = True  # by natural key, for the batch (``existing``)
        exclude = set(row.errors) | self.foreign_keys_set(instance)
        try:
            instance.full_clean(
                exclude=list(exclude), validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                if key in row.errors:
                    continue
                row.errors.setdefault(key, []).extend(messages)
        if row.original is not None and not row.errors:
            now = self.values(instance)
            row.changed = [
                column.attribute
                for column in self.fields
                if column.column_name in row.cells
                and now[self.attname(column)] != row.original[self.attname(column)]
            ]

    def validate_statuses(self, row: Row) -> None:
        pending, errors = self.resource.pending_statuses(
            row.instance, row.cells, self.user, self.may_change_status
        )
        row.statuses = pending
        for key, message in errors.items():
            row.errors.setdefault(key, []).append(message)

    def foreign_keys_set(self, instance) -> set[str]:
        """Foreign keys with a value: found through the batch's dictionaries, so they exist;
        Django's own check would ask the database once per row and key."""
        return {
            f.name
            for f in self.model._meta.concrete_fields
            if f.is_relation and getattr(instance, f.attname) is not None
        }

    def attname(self, column) -> str:
        return self.model._meta.get_field(column.attribute).attname

    def values(self, instance) -> dict:
        return {f.attname: getattr(instance, f.attname) for f in self.model._meta.concrete_fields}

    # --- What the preview shows --------------------------------------------------------------

    def summarise(self, batch: list[Row], summary: Summary) -> None:
        for row in batch:
            summary.rows += 1
            summary.counts[row.kind] += 1
            if row.errors:
                summary.add_problems(self.problems(row))
            elif row.kind in (NEW, UPDATE):
                summary.add_change(self.change(row))

    def problems(self, row: Row) -> list[dict]:
        found = []
        for key, messages in row.errors.items():
            if key == NON_FIELD_ERRORS:
                column, value = "", ""
            else:
                column, value = self.headers.get(key, key), row.cells.get(key, "")
            for message in messages:
                found.append(
                    problem(
                        row.number, key if key != NON_FIELD_ERRORS else "", column, value, message
                    )
                )
        return found

    def change(self, row: Row) -> dict:
        """A changed row as the preview lists it: its key and each changed cell, before and
        after (for a new row, every cell given)."""
        if row.original is None:
            cells = [
                (self.headers.get(c.column_name, c.column_name), "", row.cells[c.column_name])
                for c in self.fields
                if row.cells.get(c.column_name) not in (None, "")
            ]
        else:
            cells = [
                (
                    self.headers.get(name, name),
                    self.resource.describe(self.model, name, row.original),
                    row.cells.get(name, ""),
                )
                for name in row.changed
            ]
        names = dict(CodeStatus.choices)
        for market, before, after in row.statuses:
            key = f"status_{market.code}"
            cells.append((self.headers.get(key, key), names.get(before, ""), names[after]))
        for key, before, after in row.related:
            cells.append((self.headers.get(key, key), before, after))
        return {
            "row": row.number,
            "type": row.kind,
            "key": str(row.instance),
            "cells": [[str(c) for c in cell] for cell in cells],
        }

    # --- Writing -----------------------------------------------------------------------------

    def write(self, batch: list[Row], summary: Summary) -> None:
        from registry.imports import IMPORT_REASON

        now = timezone.now()
        new = [row.instance for row in batch if row.kind == NEW]
        changed = [row for row in batch if row.kind == UPDATE and row.changed]
        for instance in new:
            instance.search_text = instance.build_search_text()
        if new:
            bulk_create_with_history(
                new,
                self.model,
                batch_size=settings.IMPORT_BATCH_SIZE,
                default_user=self.user,
                default_change_reason=IMPORT_REASON,
            )
            if not getattr(self.resource, "records_feed_after_related", False):
                change_feed.record_created(self.model, new)
        if changed:
            names = {"search_text", "updated_at"}
            for row in changed:
                row.instance.search_text = row.instance.build_search_text()
                row.instance.updated_at = now
                names.update(row.changed)
            bulk_update_with_history(
                [row.instance for row in changed],
                self.model,
                fields=sorted(names),
                batch_size=settings.IMPORT_BATCH_SIZE,
                default_user=self.user,
                default_change_reason=IMPORT_REASON,
            )
        self.write_statuses(batch)
        if hasattr(self.resource, "write_related"):
            self.resource.write_related(batch, self.user)

    def write_statuses(self, batch: list[Row]) -> None:
        from registry.imports import IMPORT_REASON

        by_status: dict[str, list] = {}
        for row in batch:
            for market, _before, after in row.statuses:
                by_status.setdefault(after, []).append((row.instance, market, after))
        for to_status, changes in sorted(by_status.items()):
            status_changes.change_statuses(
                self.model,
                changes,
                reason=IMPORT_REASON,
                source=ChangeSource.REGISTRATION
                if to_status == CodeStatus.ACTIVE
                else ChangeSource.OTHER,
                user=self.user,
            )


def problem(row: int, key: str, column: str, value, message: str) -> dict:
    return {
        "row": row,
        "field": key,
        "column": column,
        "value": "" if value is None else str(value),
        "message": str(message),
    }


class Throttled:
    """A progress callback that passes on at most one report per ``seconds`` (and the last)."""

    def __init__(self, report: Progress, seconds: float = 1.0):
        self.report, self.seconds, self.last = report, seconds, 0.0

    def __call__(self, done: int, errors: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.seconds:
            self.last = now
            self.report(done, errors)


#: the application_name of the import's own extra connections (its progress writer)
APPLICATION_PREFIX = "registry-import"


class Pacer:
    """Between the batches of a background import: while other sessions are running statements
    in the registry's database (the web's requests), pause so that the import works at most
    ``share`` of the time; while none are, go on at full speed.

    On a small server the import's process and its database backend compete for the same cores
    as the requests (the worker's lower niceness reaches only its own process, not the database
    backend that does most of the writing). A background job is not waited for by anyone at a
    screen, so it gives way; an import in the request does not pace itself."""

    #: other client sessions of this database that are running a statement or a transaction,
    #: or have finished one within the last second (a web request's statements take
    #: milliseconds, so "running right now" alone would rarely see them); not the import's own
    #: progress connection. clock_timestamp(): now() stands still inside the import's transaction.
    BUSY_SQL = (
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        f" AND application_name NOT LIKE '{APPLICATION_PREFIX}%%'"
        " AND (state <> 'idle' OR state_change > clock_timestamp() - interval '1 second'))"
    )

    def __init__(self, share: float | None = None, using: str = "default"):
        self.share = settings.IMPORT_WORKER_SHARE if share is None else share
        self.using = using
        self.last = time.perf_counter()
        self.paused = 0.0

    def others_busy(self) -> bool:
        from django.db import connections

        connection = connections[self.using]
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            # Inside a transaction (an import's application is one) PostgreSQL keeps the first
            # view of pg_stat_activity until it ends: ask for a fresh one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(self.BUSY_SQL)
            return cursor.fetchone()[0]

    def __call__(self) -> None:
        worked = time.perf_counter() - self.last
        if 0 < self.share < 1 and self.others_busy():
            pause = worked * (1 - self.share) / self.share
            time.sleep(pause)
            self.paused += pause
        self.last = time.perf_counter()
