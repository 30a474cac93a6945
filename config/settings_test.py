"""Settings for the test suite: the real settings, with a throwaway secret key.

Everything else (database, DEBUG off, middleware) is exactly what production runs.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from config.settings import *  # noqa: F403
