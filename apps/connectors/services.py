"""Writes for connectors: create/configure, set secrets (encrypted), circuit breaker and health."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied

from .choices import AuthState, CircuitState
from .crypto import decrypt_json, encrypt_json
from .errors import AuthorisationError, ConnectorError
from .models import Connector, ConnectorToken


def _require_configure(actor) -> None:
    """People need CONFIGURE; FinSync itself (actor None: seeding, migrations) may always."""
    if actor is not None and not can(actor, Capability.CONFIGURE):
        raise PermissionDenied("Your role does not allow configuring connectors.")


def connector_set_credentials(*, connector: Connector, credentials: dict, actor=None) -> None:
    """Store new credentials encrypted; the audit trail records that they changed, never their value."""
    with transaction.atomic():
        connector.credentials_encrypted = encrypt_json(credentials)
        connector.auth_state = AuthState.OK
        connector.save(update_fields=["credentials_encrypted", "auth_state", "updated_at"])
        ConnectorToken.objects.filter(connector=connector).delete()  # a new secret means a new token
        audit_record(action="connector.credentials_changed", actor=actor, obj=connector,
                     after={"fields": sorted(credentials)})


def connector_set_webhook_secret(*, connector: Connector, secret: str, actor=None) -> None:
    with transaction.atomic():
        connector.webhook_secret_encrypted = encrypt_json({"secret": secret})
        connector.save(update_fields=["webhook_secret_encrypted", "updated_at"])
        audit_record(action="connector.webhook_secret_changed", actor=actor, obj=connector)


def connector_schedule_set(*, connector: Connector, every_seconds: int | None, actor=None,
                           ip_address: str | None = None) -> None:
    """Poll the connector every N seconds (None: stop polling). The schedule is a django-celery-beat
    PeriodicTask, so an admin can also edit it (interval, crontab, enabled) in the Django admin. A
    switched-off connector keeps its schedule paused until it is switched on."""
    import json

    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    _require_configure(actor)
    if every_seconds is not None and not 10 <= every_seconds <= 7 * 86400:
        raise DomainError("Poll between every 10 seconds and once a week.", code="invalid_interval")
    with transaction.atomic():
        before = {"every_seconds": connector.schedule.interval.every if connector.schedule_id and
                  connector.schedule.interval_id else None}
        if every_seconds is None:
            if connector.schedule_id:
                PeriodicTask.objects.filter(pk=connector.schedule_id).update(enabled=False)
        else:
            interval, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
            task, _ = PeriodicTask.objects.update_or_create(
                name=f"connector-poll-{connector.code}",
                defaults={"task": "sync.poll_connector", "interval": interval, "crontab": None,
                          "args": json.dumps([connector.pk]), "enabled": connector.enabled})
            if connector.schedule_id != task.pk:
                connector.schedule = task
                connector.save(update_fields=["schedule", "updated_at"])
        audit_record(action="connector.schedule_changed", actor=actor, obj=connector, before=before,
                     after={"every_seconds": every_seconds}, ip_address=ip_address)


def connector_set_enabled(*, connector: Connector, enabled: bool, actor, ip_address: str | None = None) -> Connector:
    """Switch a connector on or off. Off: it is not polled (its schedule pauses with it), nothing is
    delivered to it and its signed-event endpoint answers 404; records for it wait, they are not lost."""
    from django_celery_beat.models import PeriodicTask

    _require_configure(actor)
    with transaction.atomic():
        # The conditional update decides: a second identical click changes nothing and audits nothing.
        changed = Connector.objects.filter(pk=connector.pk).exclude(enabled=enabled).update(
            enabled=enabled, updated_at=timezone.now())
        connector.refresh_from_db()
        if changed:
            if connector.schedule_id:
                PeriodicTask.objects.filter(pk=connector.schedule_id).update(enabled=enabled)
            audit_record(action="connector.enabled" if enabled else "connector.disabled", actor=actor, obj=connector,
                         before={"enabled": not enabled}, after={"enabled": enabled}, ip_address=ip_address)
    return connector


@dataclass(frozen=True)
class ConnectionTest:
    """The answer to "test connection": did FinSync reach and authenticate with the system, and how fast."""

    ok: bool
    detail: str
    elapsed_ms: int


def connector_test_connection(*, connector: Connector, actor, ip_address: str | None = None) -> ConnectionTest:
    """Reach the system and authenticate through the adapter's `check()`, reading and sending no records.

    A success clears a "re-authorise needed" state (the credentials work again); refused credentials set
    it. The circuit is left to real traffic: one probe says little about a system's health under load.
    The outcome is audited.
    """
    from .adapters import get_adapter

    _require_configure(actor)
    started = time.monotonic()
    adapter = None
    try:
        adapter = get_adapter(connector)
        answer = adapter.check()
        ok = bool(answer.get("ok", True))
        detail = str(answer.get("detail") or ("Connected and authenticated." if ok else "The system refused."))
    except AuthorisationError as exc:
        connector_mark_reauthorise(connector=connector, error=exc.message)
        ok, detail = False, f"Credentials refused: {exc.message}"
    except ConnectorError as exc:
        ok, detail = False, exc.message
    except LookupError as exc:  # an adapter key that no longer exists
        ok, detail = False, str(exc)
    finally:
        close = getattr(adapter, "close", None)
        if close is not None:
            close()
    result = ConnectionTest(ok=ok, detail=detail[:500], elapsed_ms=int((time.monotonic() - started) * 1000))
    with transaction.atomic():
        if ok:
            Connector.objects.filter(pk=connector.pk, auth_state=AuthState.REAUTHORISE).update(
                auth_state=AuthState.OK, updated_at=timezone.now())
        audit_record(action="connector.connection_tested", actor=actor, obj=connector, ip_address=ip_address,
                     after={"ok": result.ok, "detail": result.detail, "elapsed_ms": result.elapsed_ms})
    connector.refresh_from_db()
    return result


def connector_run_now(*, connector: Connector, actor, ip_address: str | None = None) -> None:
    """Poll the connector once now (a Celery task, sent when the audit row is committed)."""
    from celery import current_app

    _require_configure(actor)
    if not connector.enabled:
        raise DomainError(f"{connector.name} is disabled: enable it before running it.", code="disabled")
    with transaction.atomic():
        audit_record(action="connector.run_now", actor=actor, obj=connector, ip_address=ip_address)
        transaction.on_commit(lambda: current_app.send_task("sync.poll_connector", args=[connector.pk, "manual"]))


def connector_credentials(connector: Connector) -> dict:
    return decrypt_json(connector.credentials_encrypted)


def connector_webhook_secret(connector: Connector) -> str:
    return decrypt_json(connector.webhook_secret_encrypted).get("secret", "")


def connector_record_success(*, connector: Connector) -> None:
    """Close the circuit and note the success. Healthy connectors are written at most every few
    seconds: a write per delivered record would make every worker queue on this one row."""
    now = timezone.now()
    Connector.objects.filter(pk=connector.pk).filter(
        Q(consecutive_failures__gt=0) | ~Q(circuit_state=CircuitState.CLOSED) | Q(last_success_at__isnull=True)
        | Q(last_success_at__lt=now - timedelta(seconds=5))
    ).update(consecutive_failures=0, circuit_state=CircuitState.CLOSED, circuit_opened_at=None, last_success_at=now)


def connector_record_failure(*, connector: Connector, error: str) -> None:
    """Count a technical failure; open the circuit after FINSYNC_CIRCUIT_THRESHOLD in a row."""
    now = timezone.now()
    Connector.objects.filter(pk=connector.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error_at=now, last_error=error[:2000])
    Connector.objects.filter(pk=connector.pk, consecutive_failures__gte=settings.FINSYNC_CIRCUIT_THRESHOLD).exclude(
        circuit_state=CircuitState.OPEN).update(circuit_state=CircuitState.OPEN, circuit_opened_at=now)


def connector_circuit_allows(connector: Connector, now=None) -> bool:
    """Closed: yes. Open: no, until the cool-down passed, then one probe (half-open) is let through."""
    now = now or timezone.now()
    if connector.circuit_state == CircuitState.CLOSED:
        return True
    cooled = now - timedelta(seconds=settings.FINSYNC_CIRCUIT_COOLDOWN_SECONDS)
    # Only one caller wins the probe: the conditional update is the lock. A half-open circuit whose
    # probe never reported back (its worker died) lets another probe through after the cool-down.
    return Connector.objects.filter(
        pk=connector.pk, circuit_state__in=[CircuitState.OPEN, CircuitState.HALF_OPEN],
        circuit_opened_at__lte=cooled).update(circuit_state=CircuitState.HALF_OPEN, circuit_opened_at=now) == 1


def connector_mark_reauthorise(*, connector: Connector, error: str) -> None:
    Connector.objects.filter(pk=connector.pk).update(auth_state=AuthState.REAUTHORISE, last_error_at=timezone.now(),
                                                     last_error=error[:2000])
