"""``manage.py supervision_report [--province 14] [--format csv|xlsx] [--output FILE]``: the
growing-area codes overdue for inspection or never inspected, per cooperative, for the
provincial office's monthly work plan (registry.rules.supervision.report).

CSV as every download (UTF-8 with BOM, formula-like text neutralised: registry.exports);
XLSX by the downloads' writer (registry.xlsx_exports), with the same cells (text typed as
text, dates as dates).
"""

import csv
import io
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from registry import exports, keys, xlsx_exports
from registry.models import AreaCode, Province, SupervisionState
from registry.rules import supervision


def headers() -> list[str]:
    return [
        _("tax code"),
        _("cooperative"),
        _("code"),
        _("crop"),
        _("commune"),
        _("markets"),
        _("supervision"),
        _("last inspection"),
        _("monitored until"),
    ]


def cells(row: dict) -> list:
    code = row["code"]
    return [
        code.cooperative.tax_code,
        code.cooperative.name,
        code.code,
        code.crop.name_vi,
        code.commune.name,
        "; ".join(row["markets"]),
        str(SupervisionState(row["state"]).label),
        row["last_inspected"],
        row["monitored_until"],
    ]


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow([exports.escape_cell(cell) for cell in cells(row)])
    return (exports.BOM + out.getvalue()).encode()


def as_xlsx(rows: list[dict]) -> bytes:
    """The shared XLSX writer (``registry.xlsx_exports.write_sheet``): text typed as text,
    dates as dates, the header bold and frozen."""
    out = io.BytesIO()
    xlsx_exports.write_sheet(out, _("supervision"), headers(), (cells(row) for row in rows))
    return out.getvalue()


class Command(BaseCommand):
    help = "List growing-area codes overdue for inspection or never inspected, per cooperative."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", help="Province code, e.g. 14.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--lang", default="vi", help="Header language: vi (default) or en.")

    def handle(self, *args, province=None, format="csv", output=None, lang="vi", **options):
        codes = AreaCode.objects.all()
        if province:
            wanted = {keys.normalise_province_code(p) for v in province for p in v.split(",")}
            known = set(Province.objects.filter(code__in=wanted).values_list("code", flat=True))
            if wanted - known:
                raise CommandError(f"Unknown province: {', '.join(sorted(wanted - known))}")
            codes = codes.filter(commune__province__in=known)
        with translation.override(lang):
            rows = supervision.report(codes)
            data = as_xlsx(rows) if format == "xlsx" else as_csv(rows)
        if output:
            with open(output, "wb") as out:
                out.write(data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        cooperatives = len({row["code"].cooperative_id for row in rows})
        self.stderr.write(f"{len(rows)} codes in {cooperatives} cooperatives")
