from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.access.roles import Capability
from apps.common.api import capability
from apps.connectors.models import Connector
from apps.connectors.services import connector_run_now

from .serializers import ConnectorRunSerializer, ConnectorSerializer


class ConnectorViewSet(viewsets.ReadOnlyModelViewSet):
    """Connectors with their health (circuit, authorisation, last run); run one now."""

    serializer_class = ConnectorSerializer
    queryset = Connector.objects.select_related("system").order_by("code")

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.CONFIGURE)])
    def run(self, request, pk=None):
        connector = self.get_object()
        connector_run_now(connector=connector, actor=request.user, ip_address=request.META.get("REMOTE_ADDR"))
        return Response({"queued": True, "connector": connector.code}, status=202)

    @extend_schema(responses=ConnectorRunSerializer(many=True))
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        runs = self.get_object().runs.order_by("-started_at")[:50]
        return Response(ConnectorRunSerializer(runs, many=True).data)
