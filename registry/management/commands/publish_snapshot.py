from django.core.management.base import BaseCommand

from registry.open_data import publish, snapshots


class Command(BaseCommand):
    help = (
        "Publish every public record of the registry as an open-data snapshot (Frictionless "
        "Data Package: CSV, JSON Lines, SHA-256 checksums, a zip) under OPEN_DATA_ROOT, served "
        "at /open-data/, and keep the newest OPEN_DATA_KEEP. The worker runs it daily."
    )

    def handle(self, *args, **options):
        snapshot_id = publish.publish()
        described = snapshots.metadata(snapshot_id)
        rows = sum(described["rows"].values())
        self.stdout.write(
            f"snapshot {snapshot_id}: {rows} rows in {len(described['rows'])} tables, "
            f"zip {described['zip']['bytes']} bytes, {described['seconds']} s "
            f"(data version {described.get('data_version')})"
        )
