"""The auditor's audit-trail pages: browse with URL filters, one event with its diff, CSV export, chain status."""

from __future__ import annotations

import csv
import json

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render

from apps.access.selectors import visible_entities
from apps.common.http import client_ip

from .filtersets import AuditEventFilterSet
from .selectors import audit_chain_status, audit_diff, audit_event_list
from .services import audit_record

PAGE_SIZE = 50
CSV_COLUMNS = ["id", "occurred_at", "actor_label", "action", "object_type", "object_id", "object_repr",
               "legal_entity", "reason", "ip_address", "correlation_id", "before", "after", "hash", "prev_hash"]


def _filtered(request) -> AuditEventFilterSet:
    filterset = AuditEventFilterSet(request.GET, queryset=audit_event_list(user=request.user))
    filterset.form.fields["legal_entity_id"].widget.attrs["list"] = "entities"
    return filterset


def audit_list(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {"filterset": filterset, "page": page, "query": query.urlencode(),
                                               "entities": visible_entities(request.user).order_by("code")})


def audit_detail(request, pk: int):
    event = audit_event_list(user=request.user).filter(pk=pk).first()
    if event is None:
        raise Http404("No such audit event")
    return render(request, "audit/detail.html", {"event": event, "diff": audit_diff(event)})


def audit_chain(request):
    """The verification result, loaded lazily by the list page (it reads the whole trail)."""
    audit_event_list(user=request.user)  # capability check
    return render(request, "audit/_chain.html", {"chain": audit_chain_status(fresh="fresh" in request.GET)})


class _Echo:
    def write(self, value):
        return value


def audit_export(request):
    """The filtered events as CSV, streamed. The export itself is audited (what was exported, by whom)."""
    filterset = _filtered(request)
    rows = filterset.qs.order_by("id")
    audit_record(action="audit.export", actor=request.user, ip_address=client_ip(request),
                 after={"filters": {k: v for k, v in request.GET.items() if v}, "rows": rows.count()})
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for e in rows.iterator(chunk_size=2000):
            values = [e.id, e.occurred_at.isoformat(), e.actor_label, e.action, e.object_type, e.object_id,
                      e.object_repr, e.legal_entity.code if e.legal_entity else "", e.reason, e.ip_address or "",
                      e.correlation_id, _json(e.before), _json(e.after), e.hash, e.prev_hash]
            yield writer.writerow([_cell(v) for v in values])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="finsync-audit-trail.csv"'
    return response


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True)


def _cell(value):
    """Neutralise spreadsheet formulas: a cell an attacker controls must not run when an auditor opens the file."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value
