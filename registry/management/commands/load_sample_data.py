from django.conf import settings
from django.core.management.base import BaseCommand

from registry import sample_data


class Command(BaseCommand):
    help = (
        "Load the FICTITIOUS Sông Mã sample dataset (idempotent). With DEBUG on, also create "
        "one demo user per role."
    )

    def handle(self, *args, **options):
        summary = sample_data.load(with_demo_users=settings.DEBUG)
        if summary.created:
            for label, count in summary.created.items():
                self.stdout.write(f"created {count} {label}")
        else:
            self.stdout.write("sample data already loaded: nothing to do")
        self.stdout.write(self.style.WARNING(f"Note: {sample_data.FICTITIOUS}."))
        if settings.DEBUG:
            self.stdout.write("Demo logins (local only), password " + sample_data.DEMO_PASSWORD)
            for username, role in sample_data.DEMO_USERS:
                self.stdout.write(f"  {username:<12} {role}")
