"""Publish the registry as a Frictionless Data Package: ``publish()``.

Every table is read in one REPEATABLE READ transaction, so all files show the registry at one
instant, the one ``snapshot_markers()`` names. Rows are streamed from the database in chunks
and written as they come (CSV and JSON Lines side by side), so memory does not grow with the
registry. The files are written into a hidden directory, checksummed (SHA-256: in each
resource's ``hash``, in ``SHA256SUMS`` and, for the zip, in ``snapshot.json``), zipped, and the
directory is renamed into place only when everything is written.
"""

import csv
import hashlib
import json
import shutil
import tempfile
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from registry import data_version
from registry.open_data import geo, snapshots
from registry.open_data.resources import Resource, resources

CHUNK = 5000
HASH_BLOCK = 1 << 20
PACKAGE = "datapackage.json"
SUMS = "SHA256SUMS"
LICENSES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-BY-1.0": ("Open Data Commons Attribution", "https://opendatacommons.org/licenses/by/1-0/"),
    "ODbL-1.0": ("Open Database License", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


def snapshot_markers(using: str = DEFAULT_DB_ALIAS) -> dict:
    """Which state of the registry the snapshot holds, read inside its transaction. The data
    version says it for caches; the change feed's cursor says it for mirrors: the snapshot plus
    ``/api/v1/changes/?after=<feed_cursor>`` is the live registry (an event whose transaction
    was still open when the snapshot began may come in both: applying it again changes
    nothing)."""
    from registry import changes

    return {
        "data_version": data_version.current(using),
        "feed_cursor": changes.current_cursor(using),
    }


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return _cell(value)
    return value


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _write_table(build: Path, resource: Resource, using: str) -> int:
    names = [column.name for column in resource.columns]
    rows = 0
    with (
        open(
            build / "data" / f"{resource.name}.csv", "w", encoding="utf-8", newline=""
        ) as csv_file,
        open(build / "data" / f"{resource.name}.jsonl", "w", encoding="utf-8") as jsonl_file,
    ):
        writer = csv.writer(csv_file, lineterminator="\n")
        writer.writerow(names)
        for row in resource.queryset().using(using).iterator(chunk_size=CHUNK):
            writer.writerow([_cell(value) for value in row])
            record = dict(zip(names, (_json_value(v) for v in row), strict=True))
            jsonl_file.write(json.dumps(record, ensure_ascii=False) + "\n")
            rows += 1
    return rows


def _write_layer(build: Path, layer: geo.Layer) -> int:
    count = 0
    with open(build / "data" / f"{layer.name}.geojson", "w", encoding="utf-8") as file:
        file.write('{"type":"FeatureCollection","features":[\n')
        for feature in layer.features():
            file.write(("," if count else "") + json.dumps(feature, ensure_ascii=False) + "\n")
            count += 1
        file.write("]}\n")
    return count


def _file_entry(build: Path, relative: str) -> dict:
    path = build / relative
    return {"path": relative, "bytes": path.stat().st_size, "hash": f"sha256:{sha256(path)}"}


def _table_resources(build: Path, resource: Resource) -> list[dict]:
    schema = resource.table_schema()
    csv_entry = {
        "name": resource.name,
        "title": resource.title,
        "profile": "tabular-data-resource",
        **_file_entry(build, f"data/{resource.name}.csv"),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "header": True},
        "schema": schema,
    }
    jsonl_entry = {
        "name": f"{resource.name}-jsonl",
        "title": f"{resource.title} (JSON Lines)",
        "profile": "tabular-data-resource",
        **_file_entry(build, f"data/{resource.name}.jsonl"),
        "format": "jsonl",
        "mediatype": "application/jsonl",
        "encoding": "utf-8",
        "schema": {key: value for key, value in schema.items() if key != "foreignKeys"},
    }
    return [csv_entry, jsonl_entry]


def _license() -> dict:
    name = settings.OPEN_DATA_LICENSE
    title, path = LICENSES.get(name, (name, ""))
    return {"name": name, "title": title, **({"path": path} if path else {})}


def _package(build: Path, snapshot_id: str, taken_at: datetime, markers: dict, layers) -> dict:
    described = []
    for resource in resources():
        described += _table_resources(build, resource)
    for layer in layers:
        described.append(
            {
                "name": layer.name,
                "title": layer.title,
                **_file_entry(build, f"data/{layer.name}.geojson"),
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
            }
        )
    source = {"title": settings.OPEN_DATA_SOURCE_TITLE}
    if settings.OPEN_DATA_SOURCE_URL:
        source["path"] = settings.OPEN_DATA_SOURCE_URL
    return {
        "profile": "data-package",
        "name": "vung-trong-registry",
        "id": f"vung-trong-registry-{snapshot_id}",
        "title": "Vùng Trồng Registry: growing-area codes, packing houses and VietGAP",
        "description": (
            "Every public record of the registry at one instant: export and domestic "
            "growing-area codes with their status per market and its history, packing houses, "
            "cooperatives (public fields), VietGAP certificates, inspections (public fields), "
            "markets, crops and places. Each table as CSV and JSON Lines."
        ),
        "created": _cell(taken_at),
        "version": snapshot_id,
        "licenses": [_license()],
        "sources": [source],
        "registry": {"snapshot": snapshot_id, "snapshot_time": _cell(taken_at), **markers},
        "resources": described,
    }


def _new_id(taken_at: datetime) -> str:
    """The snapshot's time to the second, or one second past the newest snapshot if that is
    later (two in one second, a clock set back): ids only grow, so "latest" is the newest."""
    moment = taken_at.astimezone(UTC).replace(microsecond=0)
    newest = snapshots.latest_id()
    if newest is not None:
        after_newest = datetime.strptime(newest, snapshots.ID_FORMAT).replace(tzinfo=UTC)
        moment = max(moment, after_newest + timedelta(seconds=1))
    return moment.strftime(snapshots.ID_FORMAT)


def _read_everything(build: Path, using: str) -> tuple[datetime, dict, dict, list]:
    """Write every table and layer in one snapshot of the database."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT now()")
                taken_at = cursor.fetchone()[0]
        else:
            taken_at = datetime.now(UTC)
        markers = snapshot_markers(using)
        rows = {resource.name: _write_table(build, resource, using) for resource in resources()}
        layers = geo.layers()
        rows |= {layer.name: _write_layer(build, layer) for layer in layers}
    return taken_at, markers, rows, layers


def _zip(build: Path, snapshot_id: str, members: list[str]) -> str:
    name = f"vung-trong-registry-{snapshot_id}.zip"
    with zipfile.ZipFile(build / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.write(build / member, member)
    return name


def publish(using: str = DEFAULT_DB_ALIAS) -> str:
    """Write a new snapshot, then keep only the newest ``OPEN_DATA_KEEP``; returns its id."""
    started = time.monotonic()
    root = snapshots.root()
    root.mkdir(parents=True, exist_ok=True)
    snapshots.remove_abandoned_builds(older_than_seconds=6 * 3600, now=time.time())
    build = Path(tempfile.mkdtemp(prefix=snapshots.BUILDING_PREFIX, dir=root))
    try:
        (build / "data").mkdir()
        taken_at, markers, rows, layers = _read_everything(build, using)
        snapshot_id = _new_id(taken_at)
        package = _package(build, snapshot_id, taken_at, markers, layers)
        (build / PACKAGE).write_text(
            json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        files = [PACKAGE, *(entry["path"] for entry in package["resources"])]
        sums = "".join(f"{sha256(build / f)}  {f}\n" for f in files)
        (build / SUMS).write_text(sums, encoding="utf-8")
        archive = _zip(build, snapshot_id, [*files, SUMS])
        metadata = {
            "id": snapshot_id,
            "snapshot_time": _cell(taken_at),
            **markers,
            "rows": rows,
            "files": [_file_entry(build, f) for f in [*files, SUMS]],
            "zip": _file_entry(build, archive),
            "seconds": round(time.monotonic() - started, 2),
        }
        (build / snapshots.METADATA).write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        build.chmod(0o755)
        build.rename(root / snapshot_id)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    snapshots.prune(settings.OPEN_DATA_KEEP)
    return snapshot_id
