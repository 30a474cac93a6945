from django.core.management.base import BaseCommand

from registry.models import Commune, Province
from registry.places import sync_places


class Command(BaseCommand):
    help = "Create or update provinces and communes from the vietnam-provinces package."

    def handle(self, *args, **options):
        provinces, communes = sync_places(Province, Commune)
        self.stdout.write(
            f"{Province.objects.count()} provinces ({provinces} new), "
            f"{Commune.objects.count()} communes ({communes} new)"
        )
