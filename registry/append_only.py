"""The registry's history cannot be rewritten: the database refuses UPDATE and DELETE on it.

``StatusChange.save``/``delete`` refuse to change a saved entry, but only for single instances:
a queryset ``.update()``/``.delete()``, a cascade or raw SQL would rewrite the history. So every
history table carries a BEFORE UPDATE and a BEFORE DELETE row trigger that aborts the statement
with "history is append-only" (an ``IntegrityError`` in Django on both databases):

* PostgreSQL: one trigger per table, ``<table>_append_only``, ``BEFORE UPDATE OR DELETE ...
  FOR EACH ROW``, running ``registry_refuse_history_rewrite()``, which raises SQLSTATE 23001
  (restrict_violation).
* SQLite: two triggers per table, ``<table>_append_only_update`` and ``..._delete``, each
  ``SELECT RAISE(ABORT, ...)``.

Row triggers fire only for rows a statement actually touches: a statement that matches no
history row (a ``SET NULL`` cascade from a user who recorded nothing, say) still runs. Deleting
a user who appears in the audit tables (``history_user``, ``ON DELETE SET NULL``) is refused:
deactivate the account instead. The user admin says so before trying (``audit_mentions``, shown
among the objects that protect the user).

The history tables are the status-change tables, the change feed (``ChangeEvent``) and every django-simple-history table of the
registry app, found from the app's models (``history_tables``), so a new one cannot be
forgotten. The triggers are (re)installed after every ``migrate`` (``install_triggers``, run
from ``post_migrate``) and by migration 0007; installing is idempotent.

TRUNCATE stays allowed on purpose: Django's ``flush`` (run after every ``transaction=True``
test, and by ``manage.py flush``) truncates all tables on PostgreSQL, and emptying the whole
registry is not rewriting its history. On SQLite ``flush`` runs ``DELETE FROM``, which the
triggers refuse when a history table has rows; ``drop_triggers`` then ``flush`` (whose
``post_migrate`` reinstalls them) is the way there, as ``tests/conftest.py`` does. A migration
that must rewrite history rows likewise calls ``drop_triggers`` first; ``post_migrate``
reinstalls them.
"""

from django.apps import apps
from django.db import connections

MESSAGE = "Registry history is append-only: its rows cannot be changed or deleted"
FUNCTION = "registry_refuse_history_rewrite"
SUFFIX = "_append_only"


def history_models() -> list:
    """The status-change models, the change feed and the simple-history models of the
    registry app."""
    from simple_history.models import HistoricalChanges

    from registry.models.changes import ChangeEvent
    from registry.models.codes import StatusChange

    config = apps.get_app_config("registry")
    return [
        model
        for model in config.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and issubclass(model, StatusChange | ChangeEvent | HistoricalChanges)
    ]


def history_tables() -> list[str]:
    return sorted({model._meta.db_table for model in history_models()})


def audit_mentions(users) -> dict:
    """How many history rows name each of ``users`` through a link the database would set to
    NULL on delete (django-simple-history's ``history_user``): the triggers refuse that
    rewrite, so such a user cannot be deleted. Links that PROTECT are Django's own concern."""
    from django.contrib.auth import get_user_model
    from django.db import models

    user_model = get_user_model()
    ids = [user.pk for user in users]
    mentions: dict = {}
    for model in history_models():
        for field in model._meta.concrete_fields:
            if (
                field.many_to_one
                and field.related_model is user_model
                and field.remote_field.on_delete is models.SET_NULL
            ):
                rows = (
                    model.objects.filter(**{f"{field.name}__in": ids})
                    .order_by()
                    .values_list(field.attname)
                    .annotate(n=models.Count("pk"))
                )
                for user_id, count in rows:
                    mentions[user_id] = mentions.get(user_id, 0) + count
    return {user: mentions[user.pk] for user in users if user.pk in mentions}


POSTGRES_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% on %).', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
"""


def _postgres_sql(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE TRIGGER {table}{SUFFIX} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    ]


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}{SUFFIX}_{operation.lower()} "
        f"BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({operation} on {table}).'); END"
        for operation in ("UPDATE", "DELETE")
    ]


def install_triggers(using: str = "default") -> None:
    """(Re)create the append-only triggers on every history table that exists. Idempotent."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        table_sql = _postgres_sql
    elif connection.vendor == "sqlite":
        table_sql = _sqlite_sql
    else:
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = [table for table in history_tables() if table in existing]
        if tables and connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION_SQL)
        for table in tables:
            for statement in table_sql(table):
                cursor.execute(statement)


def drop_triggers(using: str = "default") -> None:
    """Remove every append-only trigger (migration 0007 backwards, SQLite flush)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s",
                [f"%{SUFFIX}"],
            )
            for table, trigger in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"%{SUFFIX}_%"],
            )
            for (trigger,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install_triggers(using)
