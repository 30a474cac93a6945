"""Load the 34 provinces and their communes (2025 reform) from the vietnam-provinces package."""

from django.db import migrations


def load(apps, schema_editor):
    from registry.places import sync_places

    sync_places(apps.get_model("registry", "Province"), apps.get_model("registry", "Commune"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
