"""A per-connector request budget (`Connector.rate_limit_per_minute`) shared by every process through Redis.

Fixed one-minute windows: INCR on a key named after the connector and the minute. Simple, exact within a
window, and the key expires on its own. A caller over budget waits if the window ends soon, otherwise it
gets a TechnicalError with `retry_after`, so the pipeline reschedules instead of blocking a worker.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings

from apps.connectors.errors import Throttled

WINDOW_SECONDS = 60
DEFAULT_MAX_WAIT = 2.0


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def client() -> redis.Redis:
    return _redis(settings.REDIS_URL)


def acquire(connector, *, max_wait: float = DEFAULT_MAX_WAIT, now=time.time) -> None:
    """Take one request from the connector's budget for this minute, or wait/raise when it is spent."""
    limit = connector.rate_limit_per_minute
    if not limit:
        return
    while True:
        moment = now()
        window = int(moment // WINDOW_SECONDS)
        # created_at tells apart connectors that reuse a primary key (e.g. a recreated database, same Redis)
        born = int(connector.created_at.timestamp()) if getattr(connector, "created_at", None) else 0
        key = f"finsync:ratelimit:{connector.pk}:{born}:{window}"
        try:
            pipe = client().pipeline()
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count = pipe.execute()[0]
        except redis.RedisError:
            return  # the budget protects the target; losing Redis must not stop the integration
        if count <= limit:
            return
        wait = (window + 1) * WINDOW_SECONDS - moment
        if wait > max_wait:
            raise Throttled(f"{connector.code}: rate limit of {limit} requests per minute reached",
                                 retry_after=round(wait, 3))
        time.sleep(wait)
