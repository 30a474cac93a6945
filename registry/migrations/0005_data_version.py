"""A data version that PostgreSQL moves on every write to a registry table.

Statement-level triggers (INSERT, UPDATE, DELETE, TRUNCATE; COPY included) on every registry
table update one row, in the writing transaction, so readers see the new version exactly when
they see the new data. The value comes from a sequence, so a rolled-back write never lets a
later one reuse its number. What is cached under version N (counts, reference tables: see
registry.counting and registry.reference) is only served while the version is still N, so it
is exact. SQLite gets no version and no such caches.
"""

from django.db import migrations

TABLES = [
    "registry_province",
    "registry_commune",
    "registry_crop",
    "registry_market",
    "registry_certificationbody",
    "registry_cooperative",
    "registry_trademarkright",
    "registry_vietgapcertificate",
    "registry_areacode",
    "registry_areacodemarket",
    "registry_areacodestatuschange",
    "registry_packinghouse",
    "registry_packinghousemarket",
    "registry_packinghousestatuschange",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TABLE registry_data_version (id smallint PRIMARY KEY CHECK (id = 1), "
        "version bigint NOT NULL)"
    )
    schema_editor.execute("INSERT INTO registry_data_version VALUES (1, 0)")
    schema_editor.execute("CREATE SEQUENCE registry_data_version_seq")
    schema_editor.execute(
        "CREATE FUNCTION registry_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE registry_data_version "
        "SET version = nextval('registry_data_version_seq') WHERE id = 1; "
        "RETURN NULL; END $$"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION registry_bump_data_version()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_bump_data_version()")
    schema_editor.execute("DROP TABLE IF EXISTS registry_data_version")
    schema_editor.execute("DROP SEQUENCE IF EXISTS registry_data_version_seq")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_roles")]

    operations = [migrations.RunPython(create, drop)]
