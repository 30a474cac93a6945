"""A data-version counter that PostgreSQL bumps on every write to a registry table.

Statement-level triggers (INSERT, UPDATE, DELETE, TRUNCATE; COPY included) on every registry
table increment one row, in the writing transaction. Readers use it to validate cached counts
(registry.counting): a count cached under version N is only ever served while the version is
still N, so it is exact. SQLite gets no counter and no count cache.
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
    schema_editor.execute(
        "CREATE FUNCTION registry_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE registry_data_version SET version = version + 1 WHERE id = 1; "
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


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_roles")]

    operations = [migrations.RunPython(create, drop)]
