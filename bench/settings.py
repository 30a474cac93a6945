"""Settings for benchmark runs: production settings plus the yardstick URLs."""

import os
import warnings

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

# No collectstatic for benchmarks, so whitenoise's "no STATIC_ROOT" warning is noise here.
warnings.filterwarnings("ignore", message="No directory at")

# Loopback HTTP, no TLS proxy in front: production's redirect to https would answer every
# request with a 301 here.
SECURE_SSL_REDIRECT = False
