"""Test settings: the same environment-driven base, with fast password hashing."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Real worker processes started by the tests must see the test database, so SQLite's test database
# is a file (pytest-django would otherwise use an in-memory one that no other process can open).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Tests share one Redis cache and send every request from 127.0.0.1; the real rates would make
# unrelated tests throttle each other. tests/security sets the real ones where it tests throttling.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {scope: "100000/min" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}  # noqa: F405
