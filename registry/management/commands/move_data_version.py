"""``manage.py move_data_version``: run after restoring a dump (README, "Backup and restore")."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from registry.data_version import install_triggers, move_past_every_used_number


class Command(BaseCommand):
    help = (
        "Move the data version past every number used before, so that no answer cached "
        "before a restore (or before writes made with triggers off) is served again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        if connections[database].vendor != "postgresql":
            raise CommandError("The data version exists on PostgreSQL only; nothing to move.")
        install_triggers(database)
        version = move_past_every_used_number(database)
        self.stdout.write(f"Data version moved to {version}; cached answers start afresh.")
