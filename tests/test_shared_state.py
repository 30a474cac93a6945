"""Rate limits that hold across workers and cannot be dodged: the client's address comes from a
trusted number of proxies only, failed authentication counts, and with REDIS_URL every worker
shares one count (a real gunicorn with two workers and the machine's Redis).

Limits count in fixed windows; the tests use daily ones so that no run straddles a window's end
(a minute's end would reset the count halfway)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from rest_framework.test import APIClient

from registry.api.throttling import AnonymousRateLimit, FailedAuthenticationRateLimit

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.django_db
def test_forwarded_for_is_not_believed_without_a_trusted_proxy(api, monkeypatch):
    monkeypatch.setattr(AnonymousRateLimit, "THROTTLE_RATES", {"anon": "3/day"})
    statuses = [
        api.get(f"{API}/markets/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_client_is_the_address_it_saw(api, monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonymousRateLimit, "THROTTLE_RATES", {"anon": "2/day"})

    def get(chain):
        return api.get(f"{API}/markets/", HTTP_X_FORWARDED_FOR=chain).status_code

    # A client's own X-Forwarded-For entries come first; the proxy appends the real address.
    assert [get(f"10.0.0.{n}, 198.51.100.7") for n in range(3)] == [200, 200, 429]
    assert get("198.51.100.8") == 200, "another client has its own count"


@pytest.mark.django_db
def test_failed_authentication_is_rate_limited(api, monkeypatch):
    monkeypatch.setattr(
        FailedAuthenticationRateLimit, "THROTTLE_RATES", {"failed_authentication": "3/day"}
    )
    statuses = []
    for _ in range(5):
        response = api.get(f"{API}/markets/", HTTP_AUTHORIZATION=f"Token {uuid.uuid4().hex}")
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429, 429]
    assert int(response["Retry-After"]) > 0
    assert api.get(f"{API}/markets/").status_code == 200, "anonymous reading still works"


# --- Shared by every worker -------------------------------------------------------------------


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_two_workers_share_one_rate_limit_through_redis():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "tests-only-not-a-secret",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "API_ANON_RATE": "30/day",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
        "GUNICORN_KEEPALIVE": "0",
    }
    env.pop("DATABASE_URL", None)  # the API root needs no database
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        url = f"http://127.0.0.1:{port}{API}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                urlopen(Request(f"http://127.0.0.1:{port}/healthz"), timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, server.stderr.read1().decode()
                time.sleep(0.2)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        answered = 0
        for _ in range(60):
            try:
                with urlopen(Request(url, headers={"Connection": "close"}), timeout=5) as r:
                    answered += r.status == 200
            except HTTPError as error:
                assert error.code == 429
        assert answered == 30, f"{answered} answers against a limit of 30 over two workers"
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_redis_cache_keeps_one_client_per_pool_across_calls_and_threads():
    """config.redis_cache: Django's backend would build a redis.Redis per call; ours reuses
    one, and it still reads and writes from several threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    from config.redis_cache import RedisCache

    cache = RedisCache(
        "redis://127.0.0.1:6379/12", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "OPTIONS": {}}
    )
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("some-key", write=False) is client

    def round_trip(n):
        cache.set(f"k{n}", {"n": n}, 30)
        return cache.get(f"k{n}")

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(round_trip, range(64))) == [{"n": n} for n in range(64)]
    assert cache._cache.get_client() is client
    cache.delete_many([f"k{n}" for n in range(64)])


def test_production_caches_use_the_reusing_backend():
    """With REDIS_URL, every cache alias is the reusing backend (not Django's own)."""
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "tests-only"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(sorted({c['BACKEND'] for c in s.CACHES.values()}))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.strip() == "['config.redis_cache.RedisCache']"
