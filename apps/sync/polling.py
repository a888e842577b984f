"""Polling a connector: read pages, store each page's records and its cursor in ONE transaction,
so a crash between pages neither skips nor double-reads (the cursor moves only with the records)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from apps.connectors.adapters import get_adapter
from apps.connectors.choices import RunStatus, RunTrigger
from apps.connectors.errors import AuthorisationError, ConnectorError, TechnicalError
from apps.connectors.models import Connector, ConnectorCursor, ConnectorRun
from apps.connectors.services import (
    connector_circuit_allows,
    connector_mark_reauthorise,
    connector_record_failure,
    connector_record_success,
)
from apps.exceptions.services import exception_raise

from .services import records_receive

logger = logging.getLogger("finsync.sync.polling")
MAX_PAGES_PER_RUN = 200


def connector_poll(*, connector: Connector, trigger: str = RunTrigger.SCHEDULE, streams: list[str] | None = None,
                   max_pages: int = MAX_PAGES_PER_RUN) -> ConnectorRun:
    """One polling run over the connector's streams. Returns the run with its counts."""
    run = ConnectorRun.objects.create(connector=connector, trigger=trigger, started_at=timezone.now())
    if not connector.enabled or not connector_circuit_allows(connector):
        why = "disabled" if not connector.enabled else "circuit open"
        return _close(run, RunStatus.FAILED, f"not polled: connector {why}")
    adapter = get_adapter(connector)
    try:
        for stream in streams or list((connector.settings or {}).get("streams") or adapter.streams):
            _poll_stream(connector, adapter, stream, run, max_pages)
    except AuthorisationError as exc:
        connector_mark_reauthorise(connector=connector, error=exc.message)
        exception_raise(kind="connector.reauthorise", subject=f"connector:{connector.pk}", reference=connector.code,
                        source_system=connector.system,
                        message=f"{connector.name} refused FinSync's credentials: {exc.message}. Re-authorise it; "
                                "polling resumes from where it stopped.")
        return _close(run, RunStatus.FAILED, exc.message)
    except TechnicalError as exc:
        connector_record_failure(connector=connector, error=exc.message)
        return _close(run, RunStatus.FAILED, exc.message)
    except ConnectorError as exc:
        return _close(run, RunStatus.FAILED, exc.message)
    connector_record_success(connector=connector)
    return _close(run, RunStatus.SUCCEEDED, "")


def _poll_stream(connector, adapter, stream: str, run: ConnectorRun, max_pages: int) -> None:
    cursor, _ = ConnectorCursor.objects.get_or_create(connector=connector, stream=stream)
    for _ in range(max_pages):
        page = adapter.poll(stream, dict(cursor.position))
        with transaction.atomic():
            result = records_receive(connector=connector, items=page.records)
            cursor.position = page.cursor
            cursor.save(update_fields=["position", "updated_at"])
            ConnectorRun.objects.filter(pk=run.pk).update(
                read=run.read + len(page.records), stored=run.stored + len(result.created),
                duplicates=run.duplicates + len(result.duplicates), rejected=run.rejected + len(result.conflicts))
        run.read += len(page.records)
        run.stored += len(result.created)
        run.duplicates += len(result.duplicates)
        run.rejected += len(result.conflicts)
        if not page.has_more:
            return


def _close(run: ConnectorRun, status: str, error: str) -> ConnectorRun:
    run.status, run.error, run.finished_at = status, error[:4000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    if run.unaccounted:
        logger.error("connector run %s read %d records but accounted for %d", run.pk, run.read,
                     run.read - run.unaccounted)
    return run
