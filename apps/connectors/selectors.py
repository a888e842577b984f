"""Reads for the connector pages: health with the last run, one connector with its recent runs."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .models import Connector, ConnectorRun

RECENT_RUNS = 25


def connector_list(*, user) -> QuerySet[Connector]:
    """Every connector with its last run (connectors are shared infrastructure, not entity data; what
    they carried is scoped on the pages that show records and exceptions)."""
    last_run = ConnectorRun.objects.filter(connector=OuterRef("pk")).order_by("-started_at")
    return (Connector.objects.select_related("system", "schedule__interval").order_by("code")
            .annotate(last_run_status=Subquery(last_run.values("status")[:1]),
                      last_run_at=Subquery(last_run.values("started_at")[:1]),
                      last_run_read=Subquery(last_run.values("read")[:1])))


def connector_get(*, user, code: str) -> Connector:
    return Connector.objects.select_related("system", "schedule__interval", "default_legal_entity").get(code=code)


def connector_recent_runs(*, connector: Connector, limit: int = RECENT_RUNS) -> list[ConnectorRun]:
    return list(connector.runs.order_by("-started_at")[:limit])
