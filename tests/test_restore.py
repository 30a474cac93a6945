"""Backup and restore with the real tools: a restored database serves no stale answer once
``manage.py move_data_version`` has run (the README's documented procedure)."""

import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from registry.models import CodeStatus
from tests.factories import AreaCodeFactory, MarketFactory, set_status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not shutil.which("pg_restore"),
        reason="needs PostgreSQL and its pg_dump / pg_restore",
    ),
]


def run(tool: str, *args: str) -> None:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    target = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    target += ["-U", settings["USER"], "-d", settings["NAME"]]
    subprocess.run([tool, *target, *args], env=env, check=True, capture_output=True, timeout=120)


def varieties(api) -> set[str]:
    return {row["variety"] for row in api.get("/api/v1/area-codes/?market=AU").json()["results"]}


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_restored_database_serves_no_stale_answer(tmp_path):
    api = APIClient()
    au = MarketFactory(code="AU")
    code = AreaCodeFactory(variety="Before")
    set_status(code, CodeStatus.ACTIVE, au)
    dump = tmp_path / "registry.dump"
    run("pg_dump", "-Fc", "-f", str(dump))

    # The registry moves on after the dump, and an answer is cached for that state.
    execute("UPDATE registry_areacode SET variety = 'After' WHERE id = %s", [code.pk])
    assert varieties(api) == {"After"}

    connection.close()
    run("pg_restore", "--clean", "--if-exists", "--single-transaction", str(dump))
    connection.close()
    call_command("move_data_version", verbosity=0)

    # Without the command the restored sequence would hand this write the number under which
    # "After" is cached, and the next answer would be stale.
    execute("UPDATE registry_areacode SET notes = 'after restore' WHERE id = %s", [code.pk])
    assert varieties(api) == {"Before"}
