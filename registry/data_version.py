"""A data version that PostgreSQL moves once per committed writing transaction.

Cached answers (counts, list pages, reference tables: ``registry.answer_cache`` and
``registry.reference``) are kept under this number and served only while it has not moved, so
they are exact whoever writes: the ORM, raw SQL, COPY or a restore script.

How it moves without making writers wait on each other (migration 0006):

1. Every row a statement changes in a registry table runs an AFTER ROW trigger, guarded by a
   transaction-local flag, so only the first changed row of a transaction does any work: it
   sets the flag and inserts one marker row (the transaction's id) into
   ``registry_data_change``. A statement that changes no row fires nothing.
2. The marker's INSERT has a *deferred* constraint trigger: at commit it deletes the marker.
   That DELETE queues a second deferred trigger, which PostgreSQL runs in a later pass, after
   every other deferred check of the transaction (foreign keys included).
3. That last trigger sets ``registry_data_version.version`` to the next number of a sequence.

So the version row is locked only for the last instant of a commit, while the transaction
waits on nothing else: a long import no longer stops other saves, and "lock the row, then
write" against "write, then lock the row" cannot deadlock on it. The new number becomes
visible in the same instant as the data. Numbers come from a sequence, so no number is ever
reused, even after a rollback. TRUNCATE has a statement trigger doing step 1.

Triggers are installed on every table of the app's models after each ``migrate``
(``install_triggers``, run from ``post_migrate``), so a new model cannot be forgotten.
SQLite has no version: nothing is cached there.

The app runs in READ COMMITTED (Django's default). A REPEATABLE READ or SERIALIZABLE writer
would fail at commit with a serialisation error whenever another writer committed after its
snapshot, because both update the one version row.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.db import connections, router

VERSION_TABLE = "registry_data_version"
MARKER_TABLE = "registry_data_change"
SEQUENCE = "registry_data_version_seq"
FLAG = "registry.data_changed"
TRIGGER_SUFFIX = "_data_version"

# Within one API request the version is read once (see ``one_version``).
_pinned: ContextVar[dict | None] = ContextVar("registry_data_version", default=None)


def current(using: str | None = None) -> int | None:
    """The data version now, or ``None`` where there is none (SQLite) or where this
    connection's own transaction has changed registry data that it has not committed yet
    (the version moves only at commit, so nothing cached may stand for what it sees)."""
    if using is None:  # where the registry's data is read from (the replica, if routed)
        using = router.db_for_read(apps.get_model("registry", "Market"))
    pinned = _pinned.get()
    if pinned is not None and using in pinned:
        return pinned[using]
    connection = connections[using]
    if connection.vendor != "postgresql":
        version = None
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT version, current_setting('{FLAG}', true) FROM {VERSION_TABLE} WHERE id = 1"
            )
            version, changed_here = cursor.fetchone()
            if changed_here == "on":
                version = None
    if pinned is not None:
        pinned[using] = version
    return version


@contextmanager
def one_version():
    """Read the data version at most once in this block (one API request): its cached counts
    and reference tables then all belong to the same state of the data."""
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def tracked_tables() -> list[str]:
    """Every table of the registry app's models (history and link tables included)."""
    config = apps.get_app_config("registry")
    return sorted(
        {
            model._meta.db_table
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def move_past_every_used_number(using: str = "default") -> int:
    """Move the version to a number never used before, and return it.

    For after a restore: a dump brings back an old version *and* the old position of its
    sequence, so the next writes would reuse numbers under which other answers are still
    cached. Also for after writes made with triggers off (``session_replication_role =
    replica``). The sequence jumps to the current time in microseconds (if it is not already
    past it): numbers move by one per writing commit, so no earlier number can be that high.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT setval('{SEQUENCE}', greatest(last_value, "
            f"(extract(epoch FROM clock_timestamp()) * 1000000)::bigint)) FROM {SEQUENCE}"
        )
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET version = nextval('{SEQUENCE}') WHERE id = 1 "
            "RETURNING version"
        )
        return cursor.fetchone()[0]


# --- Installation (migration 0006 and post_migrate) ------------------------------------------

FUNCTIONS_SQL = f"""
CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (xid xid8 PRIMARY KEY);

CREATE OR REPLACE FUNCTION registry_note_data_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{FLAG}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('{FLAG}', 'on', true);
    INSERT INTO {MARKER_TABLE} VALUES (pg_current_xact_id());
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION registry_clear_data_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {MARKER_TABLE} WHERE xid = NEW.xid;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION registry_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {VERSION_TABLE} SET version = nextval('{SEQUENCE}') WHERE id = 1;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS {MARKER_TABLE}_clear ON {MARKER_TABLE};
CREATE CONSTRAINT TRIGGER {MARKER_TABLE}_clear
    AFTER INSERT ON {MARKER_TABLE} DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_clear_data_change();

DROP TRIGGER IF EXISTS {MARKER_TABLE}_bump ON {MARKER_TABLE};
CREATE CONSTRAINT TRIGGER {MARKER_TABLE}_bump
    AFTER DELETE ON {MARKER_TABLE} DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_bump_data_version();
"""


def table_triggers_sql(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE TRIGGER {table}{TRIGGER_SUFFIX} "
        f"AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
        f"WHEN (current_setting('{FLAG}', true) IS DISTINCT FROM 'on') "
        f"EXECUTE FUNCTION registry_note_data_change()",
        f"CREATE OR REPLACE TRIGGER {table}{TRIGGER_SUFFIX}_truncate "
        f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION registry_note_data_change()",
    ]


def install_triggers(using: str = "default") -> None:
    """(Re)create the version triggers on every registry table. Idempotent."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = %s", [VERSION_TABLE]
        )
        if cursor.fetchone() is None:
            return  # migrated backwards past 0005
        existing = set(connection.introspection.table_names(cursor))
        for table in tracked_tables():
            if table in existing:
                for statement in table_triggers_sql(table):
                    cursor.execute(statement)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install_triggers(using)
