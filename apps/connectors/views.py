"""Connector pages: health at a glance (circuit, authorisation, last run)."""

from django.db.models import OuterRef, Subquery
from django.shortcuts import render

from .models import Connector, ConnectorRun


def connector_list(request):
    last_run = ConnectorRun.objects.filter(connector=OuterRef("pk")).order_by("-started_at")
    connectors = (Connector.objects.select_related("system").order_by("code")
                  .annotate(last_run_status=Subquery(last_run.values("status")[:1]),
                            last_run_at=Subquery(last_run.values("started_at")[:1]),
                            last_run_read=Subquery(last_run.values("read")[:1])))
    return render(request, "connectors/list.html", {"connectors": connectors})
