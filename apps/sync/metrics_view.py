"""/metrics for Prometheus: pipeline counters plus database gauges computed at scrape time.

No business data, only counts. Scrapers authenticate with `Authorization: Bearer $FINSYNC_METRICS_TOKEN`;
without that setting only loopback addresses may scrape.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from apps.common.http import client_ip
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase

from .models import SyncRecord


class DatabaseCollector:
    def collect(self):
        records = GaugeMetricFamily("finsync_records", "Sync records by flow and status", labels=["flow", "status"])
        for row in SyncRecord.objects.values("flow", "status").annotate(n=Count("id")).order_by():
            records.add_metric([row["flow"], row["status"]], row["n"])
        yield records
        open_cases = GaugeMetricFamily("finsync_open_exceptions", "Open exceptions", labels=["kind", "severity"])
        for row in (ExceptionCase.objects.filter(status__in=OPEN_STATUSES).values("kind", "severity")
                    .annotate(n=Count("id")).order_by()):
            open_cases.add_metric([row["kind"], row["severity"]], row["n"])
        yield open_cases


def _allowed(request) -> bool:
    token = getattr(settings, "FINSYNC_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return client_ip(request) in {"127.0.0.1", "::1"}


def process_metrics() -> bytes:
    """The counters and histograms of the processes. With PROMETHEUS_MULTIPROC_DIR set (several web and
    worker processes, each writing its own files there), the sum over all of them, whichever process
    answers the scrape; otherwise this process's own."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)


@login_not_required
def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden("metrics are for authorised scrapers")
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    body = process_metrics() + generate_latest(registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
