import pytest
from django.contrib.auth.models import Group

from registry import roles
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests do not run collectstatic, so the production manifest storage is swapped out."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


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
    from django.core.cache import cache

    from registry import reference

    cache.clear()
    reference.clear()
    yield
    cache.clear()
    reference.clear()
