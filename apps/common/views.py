"""Operational endpoints that are not part of any domain."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from apps.common.health import health_report


@login_not_required
@never_cache
def healthz(request):
    """Liveness of database, broker, worker and beat; 503 when any is down. Public, no data."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
