"""Settings for the test suite: development settings with a fast password hasher."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR
from .env import env_str

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The SQLite test database is a file, not Django's default shared-cache in-memory database:
# there, threads get "database table is locked" at once instead of waiting on the busy
# timeout, so the concurrency tests would not behave like production (WAL, BEGIN IMMEDIATE,
# busy_timeout). One file per test process, so two test runs on one checkout do not clobber
# each other; pytest-django creates it at the start and deletes it at the end.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        **DATABASES["default"].get("TEST", {}),
        "NAME": env_str("DEELPUNT_TEST_SQLITE", "")
        or str(VAR_DIR / f"test-deelpunt-{os.getpid()}.sqlite3"),
    }
