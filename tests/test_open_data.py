"""The open-data snapshot (``manage.py publish_snapshot``) and ``/open-data/``: validated with
the ``frictionless`` library, checksums, rows against the live registry, pruning, serving."""

import csv
import hashlib
import io
import json
import time
import zipfile
from datetime import date

import frictionless
import pytest
from django.core.management import call_command
from django.test import Client

from registry import data_version
from registry.models import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    Inspection,
    Market,
    PackingHouse,
    PackingHouseStatusChange,
)
from registry.open_data import publish, snapshots
from registry.open_data.resources import resources
from tests.api_world import build_world
from tests.factories import UserFactory, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(settings, tmp_path):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    return settings.OPEN_DATA_ROOT


@pytest.fixture
def registry_data():
    world = build_world()
    world.valid_au_us.cooperative.representative = "Nguyễn Văn Đại Diện"
    world.valid_au_us.cooperative.phone = "0912 345 678"
    world.valid_au_us.cooperative.save()
    staff = UserFactory(username="can-bo-bi-mat")
    set_status(world.valid_au_us, "suspended", world.us, on=date(2025, 9, 1), user=staff)
    inspection = Inspection.objects.create(
        area_code=world.valid_au_us,
        inspected_on=date(2025, 8, 1),
        inspecting_body="Chi cục Trồng trọt và BVTV Sơn La",
        inspectors="Trần Thị Kiểm Tra",
        findings="Ghi chú nội bộ",
        kind="periodic",
        result="compliant",
    )
    inspection.markets.set([world.au])
    return world


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_data_package_validates_with_frictionless(root, registry_data):
    snapshot_id = publish.publish()
    report = frictionless.validate(str(root / snapshot_id / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((root / snapshot_id / "datapackage.json").read_text())
    # every resource was validated (CSV and JSON Lines, and the GeoJSON layers), none skipped
    from registry.open_data import geo

    assert (
        len(report.tasks) == len(package["resources"]) == 2 * len(resources()) + len(geo.layers())
    )
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"] and package["created"]
    assert "data_version" in package["registry"]
    names = {r["name"] for r in package["resources"]}
    area_codes = next(r for r in package["resources"] if r["name"] == "area_codes")
    assert area_codes["schema"]["primaryKey"] == ["code"]
    targets = {k["reference"]["resource"] for k in area_codes["schema"]["foreignKeys"]}
    assert targets <= names


def test_a_broken_file_fails_validation(root, registry_data):
    """The validation above can fail: a row whose foreign key points nowhere, and a file that
    no longer matches its hash."""
    snapshot_id = publish.publish()
    path = root / snapshot_id / "data" / "area_code_markets.csv"
    with open(path, "a", encoding="utf-8") as file:
        file.write("VN-NOPE-0001,AU,active,2025-01-01,\n")
    report = frictionless.validate(str(root / snapshot_id / "datapackage.json"))
    assert not report.valid
    types = {error[0] for error in report.flatten(["type"])}
    assert "foreign-key" in types
    assert {"hash-count", "byte-count"} & types


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_checksums_match_the_files_and_the_zip_holds_them(root, registry_data):
    snapshot_id = publish.publish()
    folder = root / snapshot_id
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["hash"] == f"sha256:{sha256(data)}"
        assert resource["bytes"] == len(data)
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert set(listed) == {"datapackage.json", *(r["path"] for r in package["resources"])}
    for name, digest in listed.items():
        assert sha256((folder / name).read_bytes()) == digest
    metadata = snapshots.metadata(snapshot_id)
    archive = folder / metadata["zip"]["path"]
    assert metadata["zip"]["hash"] == f"sha256:{sha256(archive.read_bytes())}"
    with zipfile.ZipFile(archive) as opened:
        assert set(opened.namelist()) == {*listed, "SHA256SUMS"}
        for name in listed:
            assert opened.read(name) == (folder / name).read_bytes()


def test_snapshot_rows_are_the_live_registry_rows(root, registry_data):
    snapshot_id = publish.publish()
    data = root / snapshot_id / "data"
    for resource in resources():
        rows = read_csv(data / f"{resource.name}.csv")
        assert len(rows) == resource.model.objects.count(), resource.name
        with open(data / f"{resource.name}.jsonl", encoding="utf-8") as file:
            lines = [json.loads(line) for line in file]
        assert len(lines) == len(rows), resource.name
    # independent oracle: the ORM's own view of the codes and their statuses
    assert [r["code"] for r in read_csv(data / "area_codes.csv")] == sorted(
        AreaCode.objects.values_list("code", flat=True)
    )
    statuses = {
        (r["area_code_code"], r["market"], r["status"], r["since"])
        for r in read_csv(data / "area_code_markets.csv")
    }
    assert statuses == {
        (s.subject.code, s.market.code, s.status, s.since.isoformat())
        for s in AreaCodeMarket.objects.select_related("subject", "market")
    }
    changes = read_csv(data / "area_code_status_changes.csv")
    assert len(changes) == AreaCodeStatusChange.objects.count()
    assert len(read_csv(data / "packing_house_status_changes.csv")) == (
        PackingHouseStatusChange.objects.count()
    )
    assert [r["code"] for r in read_csv(data / "packing_houses.csv")] == sorted(
        PackingHouse.objects.values_list("code", flat=True)
    )
    assert {r["code"] for r in read_csv(data / "markets.csv")} == set(
        Market.objects.values_list("code", flat=True)
    )
    first = json.loads((data / "area_codes.jsonl").read_text().splitlines()[0])
    assert first["code"] == "VN-HN-01-00004-01-24" and first["area_ha"] == 15.0


def test_nothing_private_is_published(root, registry_data):
    snapshot_id = publish.publish()
    folder = root / snapshot_id
    everything = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    text = everything.decode("utf-8", errors="replace")
    for secret in (
        "Nguyễn Văn Đại Diện",
        "0912 345 678",
        "can-bo-bi-mat",
        "Trần Thị Kiểm Tra",
        "Ghi chú nội bộ",
    ):
        assert secret not in text, secret
    package = json.loads((folder / "datapackage.json").read_text())
    tables = [r for r in package["resources"] if "schema" in r]  # the GeoJSON layer has none
    columns = {f["name"] for r in tables for f in r["schema"]["fields"]}
    assert not columns & {"representative", "phone", "email", "inspectors", "findings"}
    assert not columns & {"recorded_by", "notes", "operator"}


def test_the_newest_thirty_are_kept(root, registry_data, settings):
    ids = [publish.publish() for _ in range(33)]
    assert len(set(ids)) == 33
    assert snapshots.snapshot_ids() == sorted(ids)[-30:]
    assert sorted(p.name for p in root.iterdir()) == sorted(ids)[-30:]
    settings.OPEN_DATA_KEEP = 2
    newest = publish.publish()
    assert snapshots.snapshot_ids() == [sorted(ids)[-1], newest]


def test_a_failed_build_leaves_nothing_served(root, registry_data, monkeypatch):
    first = publish.publish()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish, "_zip", broken)
    with pytest.raises(RuntimeError):
        publish.publish()
    assert snapshots.snapshot_ids() == [first]
    assert [p.name for p in root.iterdir()] == [first]
    # a build in progress (or abandoned) is neither listed nor served
    building = root / ".building-abc"
    building.mkdir()
    (building / "datapackage.json").write_text("{}")
    (building / "snapshot.json").write_text("{}")
    assert snapshots.snapshot_ids() == [first]
    client = Client()
    assert client.get("/open-data/.building-abc/datapackage.json").status_code == 404


def test_the_served_urls_work_with_debug_off(root, registry_data, settings):
    settings.DEBUG = False
    snapshot_id = publish.publish()
    client = Client()
    page = client.get("/open-data/", {"lang": "en"})
    assert page.status_code == 200
    body = page.content.decode()
    metadata = snapshots.metadata(snapshot_id)
    assert snapshot_id in body and metadata["zip"]["hash"] in body
    assert '"@type": "dcat:Catalog"' in body
    latest = client.get("/open-data/latest/datapackage.json")
    assert latest.status_code == 200 and latest["Content-Type"] == "application/json"
    package = json.loads(b"".join(latest.streaming_content))
    assert package["registry"]["snapshot"] == snapshot_id
    for resource in package["resources"]:
        for prefix in ("latest", snapshot_id):
            response = client.get(f"/open-data/{prefix}/{resource['path']}")
            assert response.status_code == 200, resource["path"]
            data = b"".join(response.streaming_content)
            assert f"sha256:{sha256(data)}" == resource["hash"]
    archive = client.get(f"/open-data/{snapshot_id}/{metadata['zip']['path']}")
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).testzip() is None
    assert client.get(f"/open-data/{snapshot_id}/SHA256SUMS").status_code == 200


def test_the_catalogue_speaks_vietnamese_by_default(root, registry_data):
    publish.publish()
    body = Client().get("/open-data/").content.decode()
    assert "Dữ liệu mở" in body


def test_the_catalogue_without_snapshots(root):
    assert Client().get("/open-data/").status_code == 200
    assert Client().get("/open-data/latest/datapackage.json").status_code == 404


def test_the_catalogue_allows_nothing_from_other_origins_and_nothing_inline(root):
    """As the public pages: its style is a file the app serves (the JSON-LD block is data,
    which a policy does not run)."""
    response = Client().get("/open-data/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<style" not in html and "style=" not in html
    assert '<link rel="stylesheet" href="/static/registry/open_data.css">' in html


@pytest.mark.parametrize(
    "path",
    [
        "latest/../../../../etc/passwd",
        "latest/..%2F..%2F..%2Fetc%2Fpasswd",
        "latest/%2e%2e/%2e%2e/etc/passwd",
        "latest/data/../../snapshot-outside.txt",
        "latest//etc/passwd",
        "latest/.hidden",
        "latest/data",
        "..%2F/datapackage.json",
        "20260101T000000Z/datapackage.json",
        "not-an-id/datapackage.json",
    ],
)
def test_path_traversal_and_unknown_files_are_404(root, registry_data, settings, path):
    settings.DEBUG = False
    publish.publish()
    (root / "snapshot-outside.txt").write_text("secret")
    (root / snapshots.latest_id() / ".hidden").write_text("secret")
    response = Client().get(f"/open-data/{path}")
    assert response.status_code == 404, path


def test_the_command_publishes_and_reports(root, registry_data):
    out = io.StringIO()
    call_command("publish_snapshot", stdout=out)
    assert snapshots.latest_id() in out.getvalue()


def test_the_worker_publishes_daily():
    from procrastinate.contrib.django import app

    from registry import tasks

    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["registry.publish_snapshot"] == tasks.settings.OPEN_DATA_SCHEDULE


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="the worker's queue lives in PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_snapshot_job(root, tmp_path):
    """The job is on its own queue: the worker (one service for every queue) must take it."""
    from django.db import connection

    from registry import tasks
    from tests.test_import_jobs import start_worker

    build_world()
    with connection.cursor() as cursor:  # a job left queued by an earlier, failed run
        cursor.execute("DELETE FROM procrastinate_jobs WHERE queueing_lock = 'open-data'")
    tasks.publish_snapshot.defer(timestamp=0)
    worker = start_worker(tmp_path, "--once", OPEN_DATA_ROOT=str(root))
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-3000:]
    assert snapshots.latest_id() is not None, err[-3000:]


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_records_the_data_version_it_was_read_at(root):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the data version is PostgreSQL's (None on SQLite)")
    build_world()
    expected = data_version.current()
    assert isinstance(expected, int)
    snapshot_id = publish.publish()
    package = json.loads((root / snapshot_id / "datapackage.json").read_text())
    assert package["registry"]["data_version"] == expected
    assert snapshots.metadata(snapshot_id)["data_version"] == expected


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="the feed's commit-order horizon is PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_the_snapshot_plus_the_feed_since_its_cursor_is_the_live_registry(root, settings):
    """A mirror loads the snapshot, then applies ``/api/v1/changes/?after=<feed_cursor>``:
    it then holds the live codes and their status per market."""
    from django.core.cache import caches
    from rest_framework.test import APIClient

    from tests.factories import AreaCodeFactory
    from tests.test_change_feed import poll

    settings.ALLOWED_HOSTS = ["*"]
    world = build_world()
    snapshot_id = publish.publish()
    package = json.loads((root / snapshot_id / "datapackage.json").read_text())
    cursor = package["registry"]["feed_cursor"]
    data = root / snapshot_id / "data"
    codes = {row["code"] for row in read_csv(data / "area_codes.csv")}
    status = {
        (row["area_code_code"], row["market"]): row["status"]
        for row in read_csv(data / "area_code_markets.csv")
    }

    set_status(world.valid_au_us, "suspended", world.au, on=date.today())
    set_status(world.valid_au_us, "revoked", world.us, on=date.today())
    newcomer = AreaCodeFactory(code="VN-SLOR-0777")
    set_status(newcomer, "active", world.au)

    # The snapshot's cursor may be older than the snapshot (a transaction open anywhere on the
    # server holds it back): the feed then replays events the snapshot holds, in order, which
    # changes nothing. Poll until the four changes made after it have come.
    made_after = {
        ("status_change", world.valid_au_us.code, "AU"),
        ("revocation", world.valid_au_us.code, "US"),
        ("new_code", "VN-SLOR-0777", ""),
        ("status_change", "VN-SLOR-0777", "AU"),
    }
    api, events, position = APIClient(), [], cursor
    deadline = time.monotonic() + 120
    while not made_after <= {(e["kind"], e["subject"], e["market"]) for e in events}:
        assert time.monotonic() < deadline, events
        caches["throttle"].clear()  # polling faster than the anonymous rate limit
        page = poll(api, position)
        events, position = events + page["results"], page["cursor"]
        time.sleep(0.05)
    for event in events:
        if event["subject_type"] != "area_code":
            continue
        if event["kind"] == "new_code":
            codes.add(event["subject"])
        elif event["kind"] in ("status_change", "revocation"):
            status[(event["subject"], event["market"])] = event["details"]["to_status"]

    assert codes == set(AreaCode.objects.values_list("code", flat=True))
    assert status == {
        (row.subject.code, row.market.code): row.status
        for row in AreaCodeMarket.objects.select_related("subject", "market")
    }


def test_the_boundaries_are_a_geojson_layer_of_the_package(root):
    from tests.geo_support import square

    world = build_world()
    world.valid_au_us.boundary = square(metres=100)
    world.valid_au_us.save()
    snapshot_id = publish.publish()
    package = json.loads((root / snapshot_id / "datapackage.json").read_text())
    [layer] = [r for r in package["resources"] if r["name"] == "area_code_boundaries"]
    path = root / snapshot_id / layer["path"]
    assert layer["hash"] == f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    collection = json.loads(path.read_text())
    [feature] = collection["features"]
    assert feature["id"] == world.valid_au_us.code
    assert feature["geometry"] == AreaCode.objects.get(pk=world.valid_au_us.pk).boundary
    assert abs(float(feature["properties"]["measured_area_ha"]) - 1.0) < 0.01
