from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from apps.access.roles import Capability
from apps.common.api import capability
from apps.common.http import client_ip
from apps.controls.payments import EnteredPayment, payment_batch_release, payment_batch_submit
from apps.controls.selectors import debtor_accounts, payment_batches, payments_of_entities

from .serializers import PaymentBatchCreateSerializer, PaymentBatchSerializer

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="the same key again answers with the batch it created (200) instead of creating another; "
                "may be sent as the `idempotency_key` field instead")


class PaymentBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment batches of your legal entities; create one (as the batch form does) and release one (never by
    its creator)."""

    serializer_class = PaymentBatchSerializer
    # Read by get_permissions and by the access-matrix tests (tests/security/api_ops.py).
    permission_classes_by_action = {"create": [permissions.IsAuthenticated, capability(Capability.RELEASE_PAYMENTS)]}

    def get_permissions(self):
        classes = self.permission_classes_by_action.get(self.action)
        return [p() for p in classes] if classes else super().get_permissions()

    def get_queryset(self):
        return payment_batches(user=self.request.user).prefetch_related("payments")

    @extend_schema(request=PaymentBatchCreateSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: PaymentBatchSerializer, 200: PaymentBatchSerializer})
    def create(self, request):
        body = PaymentBatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        key = _idempotency_key(request.headers.get("Idempotency-Key", ""), data["idempotency_key"])
        # Another entity's account or payment answers like an unknown one (404): no hint that it exists.
        account = debtor_accounts(user=request.user).filter(pk=data["debtor_account"]).first()
        if account is None:
            raise NotFound("No such bank account.")
        picked = payments_of_entities(user=request.user, ids=set(data["payments"]))
        if len(picked) != len(set(data["payments"])):
            raise NotFound("No such payment instruction.")
        batch, created = payment_batch_submit(
            debtor_account=account, requested_execution_date=data["requested_execution_date"], picked=picked,
            entered=[EnteredPayment(**row) for row in data["entered"]], reference=data["reference"],
            idempotency_key=key, actor=request.user, ip_address=client_ip(request))
        return Response(PaymentBatchSerializer(self.get_queryset().get(pk=batch.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=PaymentBatchSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RELEASE_PAYMENTS)])
    def release(self, request, pk=None):
        batch = payment_batch_release(batch=self.get_object(), actor=request.user,
                                      ip_address=client_ip(request))
        return Response(PaymentBatchSerializer(self.get_queryset().get(pk=batch.pk)).data)


def _idempotency_key(header: str, field: str) -> str:
    header, field = header.strip(), field.strip()
    if header and field and header != field:
        raise ValidationError({"idempotency_key": ["The Idempotency-Key header and the idempotency_key field "
                                                   "differ; send the key once."]})
    if len(header) > 80:
        raise ValidationError({"idempotency_key": ["An idempotency key has at most 80 characters."]})
    return header or field
