"""Small reference tables held in memory, exact.

Markets, crops, provinces and communes are read on every API list (to check filter values
and to name each row's crop and place) and almost never change. Each process keeps them as
loaded under the current data version (registry.data_version): any write to a registry table
bumps the version, and the next reader reloads. On SQLite there is no version and they are
read from the database every time.
"""

import threading

from registry import data_version

_tables: dict[str, tuple[int, dict]] = {}
_lock = threading.Lock()


def table(name: str, load) -> dict:
    """``load()`` → a dict of the table's rows by key, reloaded when the data changes."""
    version = data_version.current()
    if version is None:
        return load()
    cached = _tables.get(name)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = load()
    with _lock:
        _tables[name] = (version, rows)
    return rows


def clear() -> None:
    """Forget every table (tests; a process that changed its database)."""
    with _lock:
        _tables.clear()
