import pytest
from django.contrib.auth.models import Group

from registry import roles
from tests.factories import UserFactory


def _restore_migration_data() -> None:
    """Put back what migrations 0002 (provinces, communes) and 0004 (role groups) load, where
    a flush has removed it. Committed: called outside any test transaction."""
    from django.apps import apps

    from registry.models import Commune, Province
    from registry.places import sync_places

    if not Commune.objects.exists():
        sync_places(Province, Commune)
    if Group.objects.filter(name__in=roles.ROLE_NAMES).count() < len(roles.ROLE_NAMES):
        # sync_role_groups is written for a migration's registry: it leaves every app's
        # models_module at None, which would make the next flush skip post_migrate.
        saved = {config: config.models_module for config in apps.get_app_configs()}
        try:
            roles.sync_role_groups(apps)
        finally:
            for config, models_module in saved.items():
                config.models_module = models_module


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A reused test database may have been flushed by the last ``transaction=True`` test of
    the previous run (flush empties every table, migration data included): restore it."""
    with django_db_blocker.unblock():
        _restore_migration_data()


@pytest.fixture(autouse=True)
def _migration_data_survives_flush(request):
    """Around a ``transaction=True`` test (pytest-django flushes the database after it):
    restore the migration data before it runs (a previous one may have flushed it), and on
    SQLite drop the append-only triggers before the flush, whose ``DELETE FROM`` they would
    refuse (the flush's ``post_migrate`` reinstalls them; PostgreSQL truncates, allowed)."""
    if not _is_transactional(request):
        yield
        return
    from django.db import connection

    from registry import append_only

    _restore_migration_data()
    yield
    if connection.vendor == "sqlite":
        append_only.drop_triggers()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests do not run collectstatic, so the production manifest storage is swapped out."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path_factory):
    """Files stored through the storage API (inspection attachments) go to a throwaway
    directory, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def user_in_role(db):
    def make(role: str):
        user = UserFactory(username=f"{role.lower().replace(' ', '-')}-user")
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def administrator(user_in_role):
    return user_in_role(roles.ADMINISTRATORS)


@pytest.fixture
def data_entry(user_in_role):
    return user_in_role(roles.DATA_ENTRY)


@pytest.fixture
def staff(user_in_role):
    return user_in_role(roles.STAFF)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, cached counts and reference tables start empty in each test."""
    from django.core.cache import caches

    from registry import reference

    def clear():
        for cache in caches.all(initialized_only=False):
            cache.clear()
        reference.clear()

    clear()
    yield
    clear()
