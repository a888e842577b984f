from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.access.roles import Capability
from apps.common.api import capability
from apps.common.http import client_ip
from apps.connectors.models import Connector
from apps.connectors.services import connector_run_now, connector_set_enabled, connector_test_connection

from .serializers import ConnectionTestSerializer, ConnectorRunSerializer, ConnectorSerializer

CONFIGURE = [capability(Capability.CONFIGURE)]


class ConnectorViewSet(viewsets.ReadOnlyModelViewSet):
    """Connectors with their health (circuit, authorisation, last run); switch on/off, test, run now."""

    serializer_class = ConnectorSerializer
    queryset = Connector.objects.select_related("system").order_by("code")

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"], permission_classes=CONFIGURE)
    def run(self, request, pk=None):
        connector = self.get_object()
        connector_run_now(connector=connector, actor=request.user, ip_address=client_ip(request))
        return Response({"queued": True, "connector": connector.code}, status=202)

    @extend_schema(request=None, responses=ConnectorSerializer)
    @action(detail=True, methods=["post"], permission_classes=CONFIGURE)
    def enable(self, request, pk=None):
        connector = connector_set_enabled(connector=self.get_object(), enabled=True, actor=request.user,
                                          ip_address=client_ip(request))
        return Response(ConnectorSerializer(connector).data)

    @extend_schema(request=None, responses=ConnectorSerializer)
    @action(detail=True, methods=["post"], permission_classes=CONFIGURE)
    def disable(self, request, pk=None):
        connector = connector_set_enabled(connector=self.get_object(), enabled=False, actor=request.user,
                                          ip_address=client_ip(request))
        return Response(ConnectorSerializer(connector).data)

    @extend_schema(request=None, responses=ConnectionTestSerializer)
    @action(detail=True, methods=["post"], url_path="test-connection", permission_classes=CONFIGURE)
    def test_connection(self, request, pk=None):
        result = connector_test_connection(connector=self.get_object(), actor=request.user,
                                           ip_address=client_ip(request))
        return Response(ConnectionTestSerializer(result).data)

    @extend_schema(responses=ConnectorRunSerializer(many=True))
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        runs = self.get_object().runs.order_by("-started_at")[:50]
        return Response(ConnectorRunSerializer(runs, many=True).data)

