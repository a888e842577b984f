"""What /healthz reports: database, broker, worker and beat, each up or down with a detail."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from apps.common import heartbeat


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported with its reason
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def _broker() -> Check:
    try:
        heartbeat.redis_client().ping()
    except Exception as exc:  # noqa: BLE001
        return Check("broker", False, type(exc).__name__)
    return Check("broker", True, "redis")


def _heartbeat(component: str) -> Check:
    try:
        age = heartbeat.age_seconds(component)
    except Exception as exc:  # noqa: BLE001
        return Check(component, False, f"heartbeat unreadable: {type(exc).__name__}")
    if age is None:
        return Check(component, False, "no heartbeat yet")
    ok = age <= settings.FINSYNC_HEARTBEAT_STALE_SECONDS
    return Check(component, ok, f"last heartbeat {age:.0f}s ago")


def health_report() -> dict:
    checks = [_database(), _broker(), _heartbeat("worker"), _heartbeat("beat")]
    return {
        "status": "ok" if all(c.ok for c in checks) else "degraded",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
