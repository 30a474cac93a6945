from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.imports import expire_uploads, upload_directory


class Command(BaseCommand):
    help = (
        "Delete spreadsheet uploads that were previewed in the admin but never confirmed "
        "(confirming deletes its own file). Run daily, from cron or the compose worker, e.g. "
        "`python manage.py expire_import_files`; a second run does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=None,
            help=(
                "Delete files previewed more than this many hours ago "
                "(default: IMPORT_FILE_MAX_AGE_HOURS, 24)."
            ),
        )

    def handle(self, *args, older_than_hours, **options):
        if older_than_hours is None:
            older_than_hours = settings.IMPORT_FILE_MAX_AGE_HOURS
        if older_than_hours < 0:
            raise CommandError("--older-than-hours must not be negative.")
        deleted, kept = expire_uploads(older_than_hours)
        self.stdout.write(
            f"{deleted} unconfirmed import file(s) deleted, {kept} kept, in {upload_directory()}"
        )
