"""Close readiness page (entity and period in the URL) and the evidence download."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.access.selectors import visible_entities
from apps.common.errors import DomainError
from apps.common.http import client_ip

from .selectors import close_default_period, close_periods, close_readiness
from .services import close_evidence_export


def close_scope(request):
    """(entities, entity, periods, period) from ?entity=<code>&period=<YYYY-NN>; another entity's code is 404."""
    entities = list(visible_entities(request.user).order_by("code"))
    code = request.GET.get("entity", "")
    entity = next((e for e in entities if e.code == code), None) if code else (entities[0] if entities else None)
    if code and entity is None:
        raise Http404("No such legal entity")
    periods = close_periods(entity=entity) if entity else []
    label = request.GET.get("period", "")
    period = (next((p for p in periods if p.label == label), None) if label
              else close_default_period(periods, timezone.localdate()))
    if label and period is None:
        raise Http404("No such period")
    return entities, entity, periods, period


def close_page(request):
    entities, entity, periods, period = close_scope(request)
    return render(request, "close/readiness.html", {
        "entities": entities, "entity": entity, "periods": periods, "period": period,
        "readiness": close_readiness(period=period) if period else None})


def close_evidence(request, fmt: str):
    _entities, _entity, _periods, period = close_scope(request)
    if period is None:
        raise Http404("No such period")
    try:
        evidence = close_evidence_export(period=period, fmt=fmt, actor=request.user,
                                         ip_address=client_ip(request))
    except DomainError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(evidence.content, content_type=evidence.content_type)
    response["Content-Disposition"] = f'attachment; filename="{evidence.filename}"'
    response["X-Evidence-SHA256"] = evidence.digest
    return response
