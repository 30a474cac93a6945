"""Settings for benchmark runs: production settings plus the yardstick URLs."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Benchmarks do not run collectstatic; the admin's static URLs need no manifest here.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
