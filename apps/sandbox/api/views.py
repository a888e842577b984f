from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, permissions, serializers, viewsets

from apps.access.selectors import can
from apps.sandbox.models import FaultProfile
from apps.sandbox.services import fault_profile_update

from .serializers import FaultProfileSerializer


class CanConfigure(permissions.BasePermission):
    """Only people who may configure connectors may read or change the sandbox's faults."""

    def has_permission(self, request, view) -> bool:
        return can(request.user, "configure")


class FaultProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                          viewsets.GenericViewSet):
    """Fault injection per sandbox system (erp, coupa, treasury, bank).

    Not scoped by legal entity: a sandbox system serves every entity, so the `configure` capability
    alone decides (integration admins and system admins).
    """

    serializer_class = FaultProfileSerializer
    permission_classes = [permissions.IsAuthenticated, CanConfigure]
    lookup_field = "system"
    queryset = FaultProfile.objects.order_by("system")

    def perform_update(self, serializer):
        try:
            serializer.instance = fault_profile_update(profile=serializer.instance,
                                                       changes=serializer.validated_data, actor=self.request.user)
        except DjangoValidationError as exc:  # a database rule the serializer did not know
            raise serializers.ValidationError(exc.messages) from exc
