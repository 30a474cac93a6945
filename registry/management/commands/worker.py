"""``manage.py worker``: the background worker of spreadsheet imports, webhook deliveries and
e-mail digests (Procrastinate, on the registry's PostgreSQL), at a lower CPU priority than the
web server.

It first starts again the jobs of workers that stopped (``import_jobs.recover_stalled``; also
run every minute by a periodic task), then works until SIGINT or SIGTERM, finishing the job at
hand first (a second signal stops it at once; the job's transaction is then rolled back and
the job is retried by the next worker)."""

import asyncio
import contextlib
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the background worker: spreadsheet imports, webhooks, digests (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--nice",
            type=int,
            default=settings.IMPORT_WORKER_NICE,
            help="CPU niceness to add (default: IMPORT_WORKER_NICE)",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Stop when the queue is empty instead of waiting for new jobs",
        )
        parser.add_argument(
            "--queues",
            default="",
            help="Comma-separated queues to work (default: every queue: imports, open_data, "
            "webhooks). docker-compose runs one worker per queue: imports, open_data, and "
            "webhooks with --concurrency 8 to deliver webhooks side by side",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=1,
            help="Jobs run at once (default 1; keep 1 for a worker of the imports queue)",
        )

    def handle(self, *args, nice: int, once: bool, queues: str, concurrency: int, **options):
        if not settings.IMPORTS_IN_BACKGROUND:
            raise CommandError(
                "The worker needs PostgreSQL (DATABASE_URL); on SQLite imports run in the request."
            )
        from procrastinate.contrib.django import app

        from registry import import_jobs

        if nice:
            os.nice(nice)
        queue_names = [name.strip() for name in queues.split(",") if name.strip()] or None
        self.stdout.write(
            f"worker: queues {', '.join(queue_names or ['(every queue)'])}; "
            f"concurrency {concurrency}; niceness {os.nice(0)}",
            self.style.SUCCESS,
        )

        async def run():
            async with app.open_async():
                await import_jobs.recover_stalled(app)
                await app.run_worker_async(
                    wait=not once, queues=queue_names, concurrency=concurrency
                )

        with (
            app.replace_connector(app.connector.get_worker_connector()),
            contextlib.suppress(KeyboardInterrupt),
        ):
            asyncio.run(run())
