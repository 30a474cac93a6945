"""``manage.py check_registry``: every current status is the newest entry of its history, and
every cooperative's tax code passes its check.

For area codes and packing houses alike, the current status of a code for a market
(``AreaCodeMarket``/``PackingHouseMarket``: status and since) must equal the newest history
entry for that code and market (greatest ``effective_on``, then greatest ``id``), and a code
has a current status for exactly the markets its history names.

Two queries per kind of code, whatever the number of codes: the current statuses and the
newest history entry per (code, market) (a ``ROW_NUMBER()`` window), both streamed in
(code, market) order and merged, so memory stays flat at 100,000 codes and more.

Tax codes: the database enforces their format only, so a cooperative stored before the check
digit was checked keeps its code and still loads; this lists each one python-stdnum refuses
(``registry.rules.tax_codes``), so that it can be corrected (saving it refuses it until then).
One more query, streamed.
"""

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import translation

from registry.models import (
    AreaCodeMarket,
    AreaCodeStatusChange,
    Cooperative,
    PackingHouseMarket,
    PackingHouseStatusChange,
)
from registry.rules.tax_codes import tax_code_problem

KINDS = [
    ("area code", AreaCodeMarket, AreaCodeStatusChange),
    ("packing house", PackingHouseMarket, PackingHouseStatusChange),
]
CHUNK = 5000


def _current(current_model) -> Iterator[tuple]:
    return (
        current_model.objects.order_by("subject_id", "market_id")
        .values_list("subject_id", "market_id", "subject__code", "market__code", "status", "since")
        .iterator(chunk_size=CHUNK)
    )


def _newest(history_model) -> Iterator[tuple]:
    newest_first = Window(
        RowNumber(),
        partition_by=[F("subject_id"), F("market_id")],
        order_by=[F("effective_on").desc(), F("id").desc()],
    )
    return (
        history_model.objects.annotate(rank=newest_first)
        .filter(rank=1)
        .order_by("subject_id", "market_id")
        .values_list(
            "subject_id", "market_id", "subject__code", "market__code", "to_status", "effective_on"
        )
        .iterator(chunk_size=CHUNK)
    )


def _merged(current: Iterator[tuple], newest: Iterator[tuple]):
    """Pairs (current row or None, newest history row or None) with the same (code, market)."""
    row, entry = next(current, None), next(newest, None)
    while row is not None or entry is not None:
        if entry is None or (row is not None and row[:2] < entry[:2]):
            yield row, None
            row = next(current, None)
        elif row is None or entry[:2] < row[:2]:
            yield None, entry
            entry = next(newest, None)
        else:
            yield row, entry
            row, entry = next(current, None), next(newest, None)


def check(kind: str, current_model, history_model, report) -> int:
    """Call ``report`` with one readable line per mismatch; return how many current statuses
    were checked."""
    checked = 0
    for row, entry in _merged(_current(current_model), _newest(history_model)):
        code, market = (row or entry)[2:4]
        where = f"{kind} {code}, market {market}"
        if row is not None:
            checked += 1
        if entry is None:
            report(f"{where}: current status {row[4]} since {row[5]} but no history entry")
        elif row is None:
            report(f"{where}: history ends with {entry[4]} on {entry[5]} but no current status")
        elif (row[4], row[5]) != (entry[4], entry[5]):
            report(
                f"{where}: current status {row[4]} since {row[5]}, "
                f"newest history entry {entry[4]} on {entry[5]}"
            )
    return checked


def check_tax_codes(report) -> int:
    """Call ``report`` with one line per cooperative whose tax code python-stdnum refuses
    (in English, as the other lines); return how many tax codes were checked."""
    checked = 0
    rows = Cooperative.objects.order_by("tax_code").values_list("tax_code", "name")
    for tax_code, name in rows.iterator(chunk_size=CHUNK):
        checked += 1
        problem = tax_code_problem(tax_code)
        if problem is not None:
            with translation.override("en"):
                report(f"cooperative {tax_code} ({name}): {' '.join(problem.messages)}")
    return checked


class Command(BaseCommand):
    help = (
        "Check that every current market status equals the newest entry of its status history, "
        "that each code's markets match its history, and that every cooperative's tax code "
        "passes its check digit. Exits non-zero on any problem."
    )

    def handle(self, *args, **options):
        mismatches, tax_codes = [], []

        def reporter(found: list):
            def report(line: str) -> None:
                found.append(line)
                self.stdout.write(line)

            return report

        counts = [
            f"{check(kind, current_model, history_model, reporter(mismatches))} "
            f"{kind} market status(es)"
            for kind, current_model, history_model in KINDS
        ]
        checked_tax_codes = check_tax_codes(reporter(tax_codes))
        problems = []
        if mismatches:
            problems.append(
                f"{len(mismatches)} mismatch(es) between current statuses and their history"
            )
        if tax_codes:
            problems.append(f"{len(tax_codes)} cooperative tax code(s) that fail their check")
        if problems:
            raise CommandError("; ".join(problems) + ".")
        self.stdout.write(
            f"OK: {' and '.join(counts)} match their history; "
            f"{checked_tax_codes} cooperative tax code(s) pass their check."
        )
