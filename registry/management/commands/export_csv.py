"""``manage.py export_csv area-codes --market AU --crop longan --output file.csv``: the same
download as the API's ``?format=csv`` (``--format xlsx``, or an output file named ``.xlsx``: as
``?format=xlsx``), for scheduled jobs. Every FilterSet parameter is an option (repeat it or
separate values with commas)."""

import shutil
import sys
import tempfile

from django.core.management.base import BaseCommand, CommandError

from registry import exports, xlsx_exports
from registry.filtersets import (
    AreaCodeFilterSet,
    CertificateFilterSet,
    CooperativeFilterSet,
    InspectionFilterSet,
    PackingHouseFilterSet,
)
from registry.tables import TABLES

FILTERSETS = {
    "area-codes": AreaCodeFilterSet,
    "packing-houses": PackingHouseFilterSet,
    "cooperatives": CooperativeFilterSet,
    "vietgap-certificates": CertificateFilterSet,
    "inspections": InspectionFilterSet,
}
ALL_FILTERS = sorted({name for fs in FILTERSETS.values() for name in fs.base_filters})


class Command(BaseCommand):
    help = "Write a listing as CSV (UTF-8 with BOM) or XLSX, filtered like the API."

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=sorted(FILTERSETS))
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--lang", default="vi", help="Header language: vi (default) or en.")
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx"],
            dest="file_format",
            help="csv (default) or xlsx; by default the output file's extension decides.",
        )
        for name in ALL_FILTERS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, action="append")

    def handle(self, *args, resource, output=None, lang="vi", file_format=None, **options):
        filterset_class = FILTERSETS[resource]
        data = {}
        for name in ALL_FILTERS:
            if options.get(name):
                if name not in filterset_class.base_filters:
                    raise CommandError(f"--{name.replace('_', '-')} does not apply to {resource}.")
                data[name] = ",".join(options[name])
        table = TABLES[resource]
        filterset = filterset_class(data, queryset=table.model.objects.all())
        if not filterset.is_valid():
            problems = "; ".join(f"--{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            raise CommandError(problems)
        if file_format is None:
            file_format = "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
        if file_format == "xlsx":
            rows = self.write_xlsx(table, filterset.qs, lang, output)
        else:
            rows = self.write_csv(table, filterset.qs, lang, output)
        if output:
            self.stderr.write(f"{rows} rows written to {output}")

    def write_csv(self, table, queryset, lang, output) -> int:
        rows = -1  # the header line
        with open(output, "wb") if output else _binary_stdout() as out:
            for chunk in exports.csv_lines(table, queryset, lang):
                out.write(chunk)
                rows += chunk.count(b"\n")
        return rows

    def write_xlsx(self, table, queryset, lang, output) -> int:
        if output:
            return xlsx_exports.write_workbook(table, queryset, output, lang)
        # A zip is written with seeks: build it aside, then copy it to a pipe or a file.
        with tempfile.TemporaryFile() as workbook:
            rows = xlsx_exports.write_workbook(table, queryset, workbook, lang)
            workbook.seek(0)
            with _binary_stdout() as out:
                shutil.copyfileobj(workbook, out)
        return rows


class _binary_stdout:
    def __enter__(self):
        return sys.stdout.buffer

    def __exit__(self, *exc):
        sys.stdout.buffer.flush()
