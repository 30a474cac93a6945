"""``manage.py recompute_overlaps``: run after changing ``OVERLAP_MIN_HA`` (README,
"Growing-area boundaries and the map")."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.overlaps import BATCH_SIZE, recompute_overlaps


class Command(BaseCommand):
    help = (
        "Write the boundary overlap pairs again from the stored boundaries and the current "
        "OVERLAP_MIN_HA (run it after changing the setting). Changes only what differs: a "
        "second run does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change and change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="Codes per transaction (a boundary being saved waits at most one batch).",
        )

    def handle(self, *args, dry_run=False, batch_size=BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        summary = recompute_overlaps(batch_size, dry_run=dry_run)
        prefix = "[dry run] " if dry_run else ""
        self.stdout.write(
            f"{prefix}{summary.codes} boundaries read with OVERLAP_MIN_HA = "
            f"{settings.OVERLAP_MIN_HA} ha: {summary.added} pair(s) added, "
            f"{summary.removed} removed, {summary.updated} with a new area; "
            f"{summary.pairs} pair(s) in all"
        )
