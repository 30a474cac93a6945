"""Project-level guarantees: settings from the environment, migrations in step."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def run_check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={k: v for k, v in env.items() if v is not None}
        | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    env = {**os.environ, "SECRET_KEY": None, "DEBUG": "0"}
    result = run_check(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_may_run_without_secret_key():
    env = {**os.environ, "SECRET_KEY": None, "DEBUG": "1"}
    result = run_check(env)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_migrations_match_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
