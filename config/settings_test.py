"""Settings for the test suite: the real settings, with a throwaway secret key.

Everything else (database, DEBUG off, middleware) is what production runs; only the HTTPS
redirect is off, since the test client speaks plain HTTP.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
# The test client speaks plain HTTP; production redirects to HTTPS (tests/test_production.py
# checks that with the docker-compose environment).
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403

# A second alias for the replica router's tests: the same test database (a mirror), used only
# where a test switches REGISTRY_REPLICA_READS on (tests/test_replica.py).
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REGISTRY_REPLICA_READS = False
