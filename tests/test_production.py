"""The production shape, proven here since Docker does not run on these machines: the
Dockerfile's own collect step, pages rendered with DEBUG off from what it collected, nothing
loaded from another host, health checks, database outages, and ``check --deploy`` with the
environment docker-compose documents."""

import json
import os
import re
import shlex
import subprocess
import sys
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def dockerfile_collect_command() -> str:
    """The shell command of the Dockerfile's RUN step that collects static files."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("RUN") and "collectstatic" in line:
            steps = [step.strip() for step in line.removeprefix("RUN").split("&&")]
            return next(step for step in steps if "collectstatic" in step)
    raise AssertionError("the Dockerfile has no collectstatic step")


def compose_environment() -> dict[str, str]:
    """The web service's environment as docker-compose.yml documents it, with its defaults
    (a required value gets a realistic stand-in)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = {}
    for name, value in compose["x-web-environment"].items():
        value = str(value)
        value = re.sub(r"\$\{SECRET_KEY:\?[^}]*\}", "x7$Qw!" * 10, value)
        value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
        environment[name] = value
    return environment


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Run the Dockerfile's collect step as the image build runs it, into a fresh folder."""
    static_root = tmp_path_factory.mktemp("static")
    command = dockerfile_collect_command()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env |= {"STATIC_ROOT": str(static_root), "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"}
    result = subprocess.run(
        ["sh", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").exists(), "the production storage writes a manifest"
    return static_root


@pytest.fixture
def production_static(settings, collected):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    return collected


def assert_local_and_collected(html: str, static_root: Path):
    for url in links(html):
        parts = urlsplit(url)
        assert not parts.netloc and parts.scheme in ("", "javascript", "mailto"), url
        if parts.path.startswith("/static/"):
            assert (static_root / parts.path.removeprefix("/static/")).exists(), url


@pytest.mark.django_db
def test_the_images_static_files_serve_the_admin_and_swagger_with_debug_off(
    client, admin_user, production_static
):
    login = client.get("/admin/login/")
    assert login.status_code == 200
    assert re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css", login.text), "hashed names"
    assert_local_and_collected(login.text, production_static)

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.text
    assert_local_and_collected(docs.text, production_static)

    client.force_login(admin_user)
    for url in ("/admin/", "/admin/registry/areacode/", "/admin/registry/areacode/add/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_local_and_collected(page.text, production_static)


def every_page() -> list[str]:
    """The admin's index, every registered model's list, add, change and history page, the
    sign-in and password pages, the API docs and the API root."""
    from django.contrib import admin
    from django.contrib.admin.utils import quote

    pages = ["/admin/", "/admin/login/", "/admin/password_change/", "/api/docs/", "/api/v1/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}add/"]
        first = model._default_manager.first()
        if first is not None:
            pages += [f"{base}{quote(first.pk)}/change/", f"{base}{quote(first.pk)}/history/"]
    return pages


@pytest.mark.django_db
def test_no_page_names_another_host(admin_client):
    from django.core.management import call_command

    call_command("load_sample_data", verbosity=0)
    checked = 0
    for url in every_page():
        response = admin_client.get(url)
        if response.status_code in (302, 403):  # signed in already; an add page not offered
            continue
        assert response.status_code == 200, url
        external = [u for u in links(response.content.decode()) if urlsplit(u).netloc]
        assert external == [], url
        checked += 1
    assert checked > 30


# --- Health ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": "ok",
        "cache:default": "ok",
        "cache:throttle": "ok",
        "cache:answers": "ok",
    }


@contextmanager
def database_down():
    """Point the default connection at a port where nothing listens."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    settings_dict["PORT"] = "1"
    settings_dict["HOST"] = "127.0.0.1"
    try:
        yield
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="closing SQLite's in-memory test database would destroy it",
)
def test_a_database_outage_is_a_503_that_says_so(client, admin_user):
    client.force_login(admin_user)
    with database_down():
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
        assert client.get("/healthz").status_code == 200, "the process itself still answers"

        listed = client.get("/api/v1/area-codes/")
        assert listed.status_code == 503
        assert listed.json()["code"] == "database_unavailable"
        admin = client.get("/admin/registry/areacode/")
        assert admin.status_code == 503
        assert admin["Content-Type"].startswith("text/plain")
    assert client.get("/readyz").status_code == 200, "and it recovers by itself"


# --- check --deploy -------------------------------------------------------------------------


def test_check_deploy_passes_with_the_compose_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env |= compose_environment() | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_step_is_what_this_test_runs():
    assert shlex.split(dockerfile_collect_command())[-2:] == ["collectstatic", "--noinput"]
    assert "DEBUG=1" not in dockerfile_collect_command()


# --- One log line per request -----------------------------------------------------------------


@pytest.mark.django_db
def test_one_log_line_per_request_and_the_id_in_error_bodies(client, caplog):
    caplog.set_level("INFO", logger="registry.requests")
    response = client.get("/api/v1/area-codes/?limit=0", HTTP_X_REQUEST_ID="proxy-id-12345")
    assert response.status_code == 400
    assert response["X-Request-ID"] == "proxy-id-12345"
    assert response.json()["request_id"] == "proxy-id-12345"
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.requests"]
    assert len(lines) == 1
    method, path, status, duration, request_id = lines[0].split()
    assert (method, path, status, request_id) == (
        "GET",
        "/api/v1/area-codes/",
        "400",
        "proxy-id-12345",
    )
    assert duration.endswith("ms")

    junk = client.get("/api/v1/nothing/", HTTP_X_REQUEST_ID="<script>")
    assert junk.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", junk["X-Request-ID"]), "an unsafe id is replaced"
    assert junk.json()["request_id"] == junk["X-Request-ID"]


@pytest.mark.django_db(transaction=True)
def test_error_bodies_with_their_request_id_arrive_whole_over_http(live_server):
    """The id is added after CommonMiddleware set Content-Length: a client that reads that
    many bytes (every HTTP client) must still get the whole JSON."""
    cases = [
        ("/api/v1/area-codes/?market=ZZ", 400),
        ("/api/v1/area-codes/VN-XXOR-9999/", 404),
        ("/api/v1/nothing/", 404),
        ("/api/v1/changes/?after=bogus", 400),
    ]
    for path, status in cases:
        with pytest.raises(HTTPError) as raised:
            urlopen(live_server.url + path, timeout=10)
        error = raised.value
        body = error.read()
        assert error.code == status, path
        assert int(error.headers["Content-Length"]) == len(body), path
        assert json.loads(body)["request_id"] == error.headers["X-Request-ID"], path


def test_compose_describes_the_production_shape():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"db", "redis", "migrate", "web"} <= set(services)
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert compose_environment()["REDIS_URL"].startswith("redis://redis:")


def test_compose_runs_the_import_worker_beside_the_web_server():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worker = services["worker"]
    assert worker["command"].startswith("python manage.py worker")
    assert worker["build"] == services["web"]["build"], "the same image"
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    shared = compose_environment()["IMPORT_TMP_DIR"]
    for service in (worker, services["web"]):
        assert any(volume.endswith(":" + shared) for volume in service["volumes"])


def test_compose_works_every_queue_the_tasks_use():
    """Each task's queue is taken by some worker service (a worker without --queues takes all)."""
    import shlex

    from procrastinate.contrib.django import app

    import registry.tasks  # noqa: F401  (registers the tasks)

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worked: set[str] = set()
    for service in services.values():
        words = shlex.split(str(service.get("command", "")))
        if words[:3] != ["python", "manage.py", "worker"]:
            continue
        if "--queues" not in words:
            return
        worked |= set(words[words.index("--queues") + 1].split(","))
    used = {task.queue for task in app.tasks.values() if task.name.startswith("registry.")}
    assert used and used <= worked, used - worked


def test_compose_works_imports_alone_one_at_a_time_and_snapshots_beside_them():
    """An import must not run beside another (concurrency 1), and the daily snapshot has a
    service of its own, so neither waits for the other; the snapshot's service writes where the
    web server reads."""
    import shlex

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    queues_of = {}
    for name, service in services.items():
        words = shlex.split(str(service.get("command", "")))
        if words[:3] == ["python", "manage.py", "worker"]:
            assert "--queues" in words, f"{name} would work every queue"
            queues_of[name] = (words[words.index("--queues") + 1].split(","), words)
    importers = [name for name, (queues, _) in queues_of.items() if "imports" in queues]
    assert importers == ["worker"]
    queues, words = queues_of["worker"]
    assert queues == ["imports"]
    assert "--concurrency" not in words or words[words.index("--concurrency") + 1] == "1"
    snapshots = [name for name, (queues, _) in queues_of.items() if "open_data" in queues]
    assert snapshots == ["open-data"]
    root = compose_environment().get("OPEN_DATA_ROOT", "/var/lib/registry/open-data")
    for name in ("open-data", "web"):
        assert any(v.endswith(":" + root) for v in services[name]["volumes"]), name
