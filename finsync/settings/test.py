"""Test settings: the same environment-driven base, with fast password hashing."""

import os
from urllib.parse import urlsplit

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

# Test data is thrown away: PostgreSQL need not wait for the WAL to reach the disk at each commit. Transactional
# tests, the live server and the Celery workers the tests start commit thousands of times per run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405

# pytest-xdist (`make test` runs two test processes, gw0 and gw1): each has its own test database (pytest-django
# adds _gw0/_gw1 to its name) and its own Redis database, gw<k> using the given one plus k, so one process's
# Celery workers never take the other's tasks and cache, heartbeat and channel keys do not meet. The worker and
# beat processes a test starts inherit PYTEST_XDIST_WORKER and so land on the same Redis database.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw") and urlsplit(REDIS_URL).scheme in ("redis", "rediss"):  # noqa: F405
    _redis = urlsplit(REDIS_URL)  # noqa: F405
    _db = (int(_redis.path.strip("/") or 0) + int(_XDIST_WORKER[2:])) % 16  # Redis has databases 0-15 by default
    _SHARED_REDIS_URL, REDIS_URL = REDIS_URL, _redis._replace(path=f"/{_db}").geturl()  # noqa: F405
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = REDIS_URL  # noqa: F405
    if CELERY_BROKER_URL == _SHARED_REDIS_URL:  # noqa: F405 - a separately configured broker stays as it is
        CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
