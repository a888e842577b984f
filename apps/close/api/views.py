"""Close readiness over the API: the checklist as JSON, and the evidence files."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.common.http import client_ip

from ..selectors import close_readiness
from ..services import close_evidence_export
from ..views import close_scope

SCOPE = [OpenApiParameter("entity", str, description="legal entity code (default: your first)"),
         OpenApiParameter("period", str, description="YYYY-NN (default: the latest period that has ended)")]


class ItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    ok = serializers.BooleanField()
    url = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    ok = serializers.BooleanField()
    summary = serializers.CharField()
    url = serializers.CharField()
    items = ItemSerializer(many=True)


class ReadinessSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(source="entity.code")
    period = serializers.CharField(source="period.label")
    period_status = serializers.CharField(source="period.status")
    cutoff = serializers.DateTimeField()
    checked_at = serializers.DateTimeField()
    ready = serializers.BooleanField()
    blocking_kinds_from = serializers.CharField(source="settings_source")
    checks = CheckSerializer(many=True)


def _period(request):
    try:
        _entities, _entity, _periods, period = close_scope(request._request)
    except Http404 as exc:
        raise NotFound(str(exc)) from exc
    if period is None:
        raise NotFound("No such period")
    return period


@extend_schema(parameters=SCOPE, responses=ReadinessSerializer)
@api_view(["GET"])
def close_readiness_view(request):
    """Whether an entity can close a period: the four checks with the rows behind each."""
    return Response(ReadinessSerializer(close_readiness(period=_period(request))).data)


@extend_schema(parameters=[*SCOPE, OpenApiParameter("file", str, enum=["csv", "pdf"], description="default csv")],
               responses={(200, "text/csv"): str, (200, "application/pdf"): bytes})
@api_view(["GET"])
def close_evidence_view(request):
    """The evidence file (audited, with the SHA-256 of its facts in the X-Evidence-SHA256 header)."""
    evidence = close_evidence_export(period=_period(request), fmt=request.query_params.get("file", "csv"),
                                     actor=request.user, ip_address=client_ip(request))
    response = HttpResponse(evidence.content, content_type=evidence.content_type)
    response["Content-Disposition"] = f'attachment; filename="{evidence.filename}"'
    response["X-Evidence-SHA256"] = evidence.digest
    return response
