"""Trigram indexes for substring search over the folded ``search_text`` columns.

PostgreSQL only: SQLite runs the same queries without them (a local database is small).
Search itself works the same on both, because folding happens in Python (registry.text.fold).
"""

from django.db import migrations

TABLES = [
    "registry_areacode",
    "registry_packinghouse",
    "registry_cooperative",
    "registry_vietgapcertificate",
    "registry_commune",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm "
            f"ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_load_places")]

    operations = [migrations.RunPython(create, drop)]
