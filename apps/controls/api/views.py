from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.access.roles import Capability
from apps.common.api import capability
from apps.common.http import client_ip
from apps.controls.payments import payment_batch_release
from apps.controls.selectors import payment_batches

from .serializers import PaymentBatchSerializer


class PaymentBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment batches of your legal entities; release one (never by its creator)."""

    serializer_class = PaymentBatchSerializer

    def get_queryset(self):
        return payment_batches(user=self.request.user).prefetch_related("payments")

    @extend_schema(request=None, responses=PaymentBatchSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RELEASE_PAYMENTS)])
    def release(self, request, pk=None):
        batch = payment_batch_release(batch=self.get_object(), actor=request.user,
                                      ip_address=client_ip(request))
        return Response(PaymentBatchSerializer(self.get_queryset().get(pk=batch.pk)).data)
