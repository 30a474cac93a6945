#!/usr/bin/env bash
# The README's second command: install the dev dependencies into .venv and run the whole test
# suite and the linter. Uses PostgreSQL when DATABASE_URL is set or a server answers on
# 127.0.0.1:5432 (user postgres), SQLite otherwise. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

if [ -z "${DATABASE_URL:-}" ] && .venv/bin/python -c \
    "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then
  export DATABASE_URL="postgres://postgres${PGPASSWORD:+:$PGPASSWORD}@127.0.0.1:5432/vungtrong"
fi
echo "Database: ${DATABASE_URL:-SQLite (no DATABASE_URL, no local PostgreSQL)}" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
