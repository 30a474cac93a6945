from django.core.management.base import BaseCommand

from registry.expiry import record_expiries


class Command(BaseCommand):
    help = (
        "Record VietGAP certificates past their expiry and suspend the markets of the codes that "
        "rely on them. Safe to run daily from cron: a second run does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the summary and change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        summary = record_expiries(dry_run=dry_run)
        prefix = "[dry run] " if dry_run else ""
        self.stdout.write(
            f"{prefix}{summary.certificates} certificate(s) expired, "
            f"{summary.codes} code(s) affected"
        )
        for name, count in sorted(summary.certificates_per_cooperative.items()):
            codes = summary.per_cooperative.get(name, 0)
            self.stdout.write(f"  {name}: {count} certificate(s), {codes} code(s)")
