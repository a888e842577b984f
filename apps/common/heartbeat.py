"""Heartbeats of the background processes, kept in Redis so /healthz can tell who is alive.

The beat process stamps `beat` whenever it publishes a task (see signals below); a worker stamps
`worker` when it runs the `heartbeat` task that beat schedules every 15 seconds.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings

KEY = "finsync:heartbeat:{}"


@cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def stamp(component: str) -> None:
    redis_client().set(KEY.format(component), f"{time.time():.3f}", ex=24 * 3600)


def age_seconds(component: str) -> float | None:
    raw = redis_client().get(KEY.format(component))
    return None if raw is None else max(0.0, time.time() - float(raw))
