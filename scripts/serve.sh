#!/usr/bin/env bash
# The README's first command: install into .venv, migrate, load places and the FICTITIOUS
# sample data, and serve the public pages, admin, API and docs on http://127.0.0.1:$PORT (PORT defaults to 8000;
# SQLite unless DATABASE_URL is set). Local development only: DEBUG is on unless you say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .

export DEBUG="${DEBUG:-1}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_places
.venv/bin/python manage.py load_sample_data
port="${PORT:-8000}"
echo
echo "Public:   http://127.0.0.1:$port/"
echo "Admin:    http://127.0.0.1:$port/admin/"
echo "API:      http://127.0.0.1:$port/api/v1/"
echo "API docs: http://127.0.0.1:$port/api/docs/"
exec .venv/bin/python manage.py runserver "127.0.0.1:$port"
