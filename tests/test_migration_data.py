"""``transaction=True`` tests end with a flush that empties every table, the provinces,
communes and role groups that migrations 0002 and 0004 load included. ``tests/conftest.py``
puts them back before each such test and at the start of a run on a reused database, so a
later test (or a second ``pytest --reuse-db`` run) still finds them. Both tests here are
transactional; pytest-django runs them after every other test, in this order."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from registry import roles
from registry.models import AreaCodeStatusChange, CodeStatus, Commune, Province
from tests.factories import AreaCodeFactory, MarketFactory, set_status

PROVINCES, COMMUNES = 34, 3321


def assert_migration_data_present():
    assert Province.objects.count() == PROVINCES
    assert Commune.objects.count() == COMMUNES
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_NAMES)
    assert all(Group.objects.get(name=name).permissions.exists() for name in roles.ROLE_NAMES)


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_history_for_the_flush():
    assert_migration_data_present()
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, MarketFactory(code="AU"), on=date(2024, 2, 1))
    assert AreaCodeStatusChange.objects.count() == 1  # committed: the flush must remove it


@pytest.mark.django_db(transaction=True)
def test_the_next_transactional_test_finds_places_roles_and_triggers():
    assert_migration_data_present()
    assert not AreaCodeStatusChange.objects.exists()  # the flush ran
    code = AreaCodeFactory()
    set_status(code, CodeStatus.ACTIVE, MarketFactory(code="AU"), on=date(2024, 2, 1))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AreaCodeStatusChange.objects.update(reason="rewritten")  # triggers are back
