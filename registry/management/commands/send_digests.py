"""``manage.py send_digests``: the subscriptions' daily e-mail digests now (the worker also
sends them every day, at ``DIGEST_CRON``)."""

from django.core.management.base import BaseCommand

from registry import digests


class Command(BaseCommand):
    help = "Send the subscriptions' e-mail digests of the change feed."

    def handle(self, *args, **options):
        sent = digests.send_digests()
        self.stdout.write(f"{sent} digest(s) sent")
