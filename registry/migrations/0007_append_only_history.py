"""The history tables refuse UPDATE and DELETE (see ``registry.append_only``).

The triggers are (re)installed after every migrate too, on every history table of the app's
models, so a history table added later gets them without a new migration.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from registry.append_only import install_triggers

    install_triggers(schema_editor.connection.alias)


def backwards(apps, schema_editor):
    from registry.append_only import drop_triggers

    drop_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_commit_time_data_version")]

    operations = [migrations.RunPython(forwards, backwards)]
