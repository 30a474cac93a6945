#!/usr/bin/env python
"""Change feed and webhook fan-out benchmark (issue 13): ``.venv/bin/python bench/change_feed.py
[--events 20000] [--subscriptions 1000]``.

Creates a throwaway PostgreSQL database (server of DATABASE_URL, else 127.0.0.1:5432 as
postgres), migrates it and prints:

1. **feed**: events per second a polling client gets from ``/api/v1/changes/`` (pages of
   1,000, each with the previous page's cursor; Django's test client in this process, so the
   figure is the application's and the database's, without a network);
2. **fan-out**: one status change of a code watched by N subscriptions (webhook to a receiver
   this script starts on 127.0.0.1): time until all N deliveries are enqueued (the fan-out
   job, run here), then time until a real ``manage.py worker`` has delivered all of them
   (targets: under 1 s and under 30 s for 1,000).

Drops the database at the end. Nothing leaves 127.0.0.1.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NAME = "vt_bench_change_feed"


def database_url() -> str:
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x")
    return base._replace(path=f"/{NAME}").geturl()


def psql(sql: str) -> None:
    base = urlsplit(database_url())
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            base.hostname,
            "-p",
            str(base.port or 5432),
            "-U",
            base.username,
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
    )


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    received = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def seed_events(count: int) -> None:
    from registry import changes
    from registry.models import ChangeEvent
    from registry.rules.tax_codes import tax_code

    batch, cooperative = 5000, tax_code(1)
    for start in range(0, count, batch):
        changes.record(
            [
                ChangeEvent(
                    kind="status_change",
                    subject_type="area_code",
                    subject_code=f"VN-SLOR-{i % 10000:04d}",
                    market_code="AU",
                    province_code="14",
                    crop_slug="longan",
                    cooperative_tax_code=cooperative,
                    effective_on="2026-01-01",
                    payload={"from_status": "active", "to_status": "suspended", "source": "other"},
                )
                for i in range(start, min(start + batch, count))
            ]
        )


def bench_feed(expected: int) -> None:
    from django.test import Client

    client, cursor, got = Client(), None, 0
    started = time.perf_counter()
    while True:
        params = {"limit": 1000} | ({"after": cursor} if cursor else {})
        page = client.get("/api/v1/changes/", params).json()
        got += len(page["results"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    elapsed = time.perf_counter() - started
    print(
        f"feed: {got} events in {elapsed:.2f} s = {got / elapsed:,.0f} events/s (polling, pages of 1000)"
    )
    assert got >= expected, (got, expected)


def bench_fan_out(subscriptions: int) -> None:
    from django.contrib.auth import get_user_model

    from registry import webhooks
    from registry.models import (
        AreaCode,
        ChangeEvent,
        CodeStatus,
        Commune,
        Cooperative,
        Crop,
        Market,
        Subscription,
        WebhookDelivery,
    )
    from registry.rules import status_changes
    from registry.rules.tax_codes import tax_code

    receiver = Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    market = Market.objects.create(
        code="AU", name_vi="Úc", name_en="Australia", area_code_pattern=r"VN-[A-Z]{2}OR-\d{4}"
    )
    crop = Crop.objects.create(slug="longan", name_vi="Nhãn", name_en="Longan")
    cooperative = Cooperative.objects.create(
        tax_code=tax_code(1), name="HTX Thử", commune=Commune.objects.get(code="04204")
    )
    code = AreaCode.objects.create(
        code="VN-SLOR-0001",
        crop=crop,
        cooperative=cooperative,
        area_ha=12,
        commune=cooperative.commune,
        issued_on="2024-01-10",
    )
    owner = get_user_model().objects.create(username="bench-subscriber")
    Subscription.objects.bulk_create(
        [
            Subscription(owner=owner, name=f"watch {i}", codes=[code.code], url=url)
            for i in range(subscriptions)
        ]
    )
    time.sleep(0.01)  # the subscriptions are older than the event
    started = time.perf_counter()
    status_changes.change_status(
        code, CodeStatus.ACTIVE, markets=[market], reason="bench", source="registration"
    )
    recorded = time.perf_counter() - started
    event = ChangeEvent.objects.filter(kind="status_change", subject_code=code.code).latest("id")
    started = time.perf_counter()
    webhooks.fan_out([event.pk])  # what the worker's fan-out job does
    enqueued = time.perf_counter() - started
    print(
        f"fan-out: status change with its event and job {recorded * 1000:.0f} ms; "
        f"{WebhookDelivery.objects.count()} deliveries enqueued in {enqueued:.2f} s (target < 1 s)"
    )

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
        "IMPORT_WORKER_NICE": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
    }
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queues", "webhooks", "--concurrency", "8"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 120
        while time.perf_counter() < deadline:
            if not WebhookDelivery.objects.exclude(status="delivered").exists():
                break
            time.sleep(0.1)
        delivered = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
    count = WebhookDelivery.objects.filter(status="delivered").count()
    print(
        f"fan-out: {count} delivered to a local receiver in {delivered:.1f} s, worker start "
        f"included (target < 30 s); receiver got {receiver.received}"
    )
    receiver.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--subscriptions", type=int, default=1000)
    args = parser.parse_args()
    psql(f"DROP DATABASE IF EXISTS {NAME}")
    psql(f"CREATE DATABASE {NAME}")
    try:
        os.environ["DATABASE_URL"] = database_url()
        os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["API_ANON_RATE"] = "1000000/minute"
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["SECURE_SSL_REDIRECT"] = "0"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        seed_events(args.events)
        bench_feed(args.events)
        bench_fan_out(args.subscriptions)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {NAME}")


if __name__ == "__main__":
    main()
