"""The data version moves once per committed writing transaction, not on every statement.

Migration 0005's statement triggers updated the one version row inside every writing
statement, so the row stayed locked until the writer committed: unrelated writes waited and
"lock a code, then write" against "write, then lock the code" deadlocked. See
``registry.data_version`` for the commit-time design that replaces them. The per-table
triggers themselves are (re)installed by ``registry.data_version.install_triggers`` after every
migrate, for every table of the app's models.
"""

from django.db import migrations

OLD_TABLES = [
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from registry.data_version import FUNCTIONS_SQL, install_triggers

    for table in OLD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_bump_data_version()")
    schema_editor.execute(FUNCTIONS_SQL)
    install_triggers(schema_editor.connection.alias)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table, trigger_name FROM information_schema.triggers "
            "WHERE trigger_name LIKE 'registry%%data_version%%'"
        )
        for table, trigger in {tuple(row) for row in cursor.fetchall()}:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    schema_editor.execute("DROP TABLE IF EXISTS registry_data_change")
    for name in ("note", "clear"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS registry_{name}_data_change()")
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION registry_bump_data_version() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN UPDATE registry_data_version "
        "SET version = nextval('registry_data_version_seq') WHERE id = 1; "
        "RETURN NULL; END $$"
    )
    for table in OLD_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION registry_bump_data_version()"
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_data_version")]

    operations = [migrations.RunPython(forwards, backwards)]
