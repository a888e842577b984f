from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.roles import Capability
from apps.common.api import capability
from apps.common.http import client_ip
from apps.common.pagination import BoundedCountPagination
from apps.connectors.models import Connector
from apps.sync.filtersets import SyncRecordFilterSet
from apps.sync.inbound import inbound_event_receive
from apps.sync.selectors import record_queryset
from apps.sync.services import record_replay, records_replay_matching

from .serializers import (
    InboundAcceptedSerializer,
    ReplaySerializer,
    SyncRecordDetailSerializer,
    SyncRecordSerializer,
)


class SyncRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Records received and delivered, with their attempts. Filter by correlation id, status, source, dates."""

    filterset_class = SyncRecordFilterSet
    pagination_class = BoundedCountPagination

    def get_queryset(self):
        return record_queryset(user=self.request.user).order_by("-id")

    def get_serializer_class(self):
        return SyncRecordDetailSerializer if self.action == "retrieve" else SyncRecordSerializer

    @extend_schema(request=ReplaySerializer, responses={200: dict}, operation_id="records_replay_matching")
    @action(detail=False, methods=["post"], url_path="replay", permission_classes=[capability(Capability.REPLAY)])
    def replay_matching(self, request):
        """Replay every replayable record matching the query-string filters (dry_run to preview)."""
        params = ReplaySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        queryset = self.filter_queryset(self.get_queryset())
        result = records_replay_matching(queryset=queryset, actor=request.user,
                                         version_choice=params.validated_data["version"],
                                         dry_run=params.validated_data["dry_run"],
                                         reason=params.validated_data["reason"])
        return Response({"matched": result.matched, "replayed": result.replayed, "skipped": result.skipped,
                         "dry_run": params.validated_data["dry_run"], "would": result.would})

    @extend_schema(request=ReplaySerializer, responses={200: dict})
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.REPLAY)])
    def replay(self, request, pk=None):
        record = self.get_object()
        params = ReplaySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        plan = record_replay(record=record, actor=request.user, version_choice=params.validated_data["version"],
                             dry_run=params.validated_data["dry_run"], reason=params.validated_data["reason"],
                             ip_address=request.META.get("REMOTE_ADDR"))
        return Response({"record_id": record.pk, "dry_run": params.validated_data["dry_run"], "would": plan.would})


class InboundEventView(APIView):
    """Signed inbound events (see docs/INBOUND_EVENTS.md). The HMAC signature is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "inbound"

    @extend_schema(request={"application/json": dict}, responses={202: InboundAcceptedSerializer, 401: dict,
                                                                   409: dict, 422: dict},
                   parameters=[OpenApiParameter("X-FinSync-Timestamp", str, OpenApiParameter.HEADER, required=True),
                               OpenApiParameter("X-FinSync-Signature", str, OpenApiParameter.HEADER, required=True),
                               OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)])
    def post(self, request, connector: str):
        target = get_object_or_404(Connector, code=connector, enabled=True)
        outcome = inbound_event_receive(
            connector=target, body=request.body, timestamp=request.headers.get("X-FinSync-Timestamp"),
            signature=request.headers.get("X-FinSync-Signature"),
            idempotency_key=request.headers.get("Idempotency-Key"), remote_addr=client_ip(request))
        return Response(outcome.body, status=outcome.status)


