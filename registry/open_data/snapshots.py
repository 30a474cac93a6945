"""Where snapshots live and how they are found: ``OPEN_DATA_ROOT/<snapshot id>/``.

A snapshot is built in a hidden directory beside the others and renamed into place when
complete (one ``rename``: atomic on one file system), so a directory with a snapshot's name is
always whole. Ids are the UTC time of the snapshot, ``20261130T020000Z``: their order is their
age, and the newest is "latest".
"""

import json
import re
import shutil
from pathlib import Path

from django.conf import settings

ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z$")
ID_FORMAT = "%Y%m%dT%H%M%SZ"
#: A file inside a snapshot: path segments of letters, digits, ``._-``, none starting with a dot.
FILE_PATTERN = re.compile(r"^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$")
METADATA = "snapshot.json"
BUILDING_PREFIX = ".building-"


def root() -> Path:
    return Path(settings.OPEN_DATA_ROOT)


def snapshot_ids() -> list[str]:
    """The complete snapshots, oldest first."""
    if not root().is_dir():
        return []
    return sorted(
        entry.name
        for entry in root().iterdir()
        if ID_PATTERN.match(entry.name) and (entry / METADATA).is_file()
    )


def latest_id() -> str | None:
    ids = snapshot_ids()
    return ids[-1] if ids else None


def metadata(snapshot_id: str) -> dict:
    with open(root() / snapshot_id / METADATA, encoding="utf-8") as file:
        return json.load(file)


def file_path(snapshot_id: str, relative: str) -> Path | None:
    """The file ``relative`` of a snapshot, or ``None`` when no such file may be served
    (an unknown id, ``..``, an absolute path, a hidden file, a directory)."""
    if not ID_PATTERN.match(snapshot_id) or not FILE_PATTERN.match(relative):
        return None
    base = (root() / snapshot_id).resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    if not (base / METADATA).is_file():
        return None
    return candidate


def prune(keep: int) -> list[str]:
    """Remove all but the newest ``keep`` snapshots (and builds left by a crash); returns the
    ids removed. A snapshot is renamed away before it is deleted, so it is never served half
    deleted."""
    ids = snapshot_ids()
    removed = ids[: max(0, len(ids) - keep)]
    for snapshot_id in removed:
        doomed = root() / f"{BUILDING_PREFIX}removed-{snapshot_id}"
        (root() / snapshot_id).rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    return removed


def remove_abandoned_builds(older_than_seconds: float, now: float) -> None:
    """Builds interrupted by a crash (a killed worker) are left behind: delete them."""
    if not root().is_dir():
        return
    for entry in root().iterdir():
        abandoned = now - entry.stat().st_mtime > older_than_seconds
        if entry.name.startswith(BUILDING_PREFIX) and entry.is_dir() and abandoned:
            shutil.rmtree(entry, ignore_errors=True)
