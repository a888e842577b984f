from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from apps.treasury.models import PaymentBatch, PaymentInstruction


class BatchPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentInstruction
        fields = ["id", "end_to_end_id", "creditor_name", "creditor_iban", "amount", "currency", "requested_date",
                  "status"]


class PaymentBatchSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    created_by = serializers.CharField(source="created_by.username", default=None)
    released_by = serializers.CharField(source="released_by.username", default=None)
    payments = BatchPaymentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentBatch
        fields = ["id", "reference", "legal_entity", "currency", "requested_execution_date", "status", "created_by",
                  "released_by", "released_at", "payments"]


MAX_ID = 2**63 - 1  # a bigint primary key; larger ids are refused as input, not by the database


class EnteredPaymentSerializer(serializers.Serializer):
    """A payment typed in, as on the batch form: creditor IBAN (and BIC), amount in the batch currency."""

    iban = serializers.CharField(max_length=42)
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=Decimal("0.001"))
    remittance_info = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")


class PaymentBatchCreateSerializer(serializers.Serializer):
    """The batch create form's fields (apps.controls.forms.PaymentBatchForm): payment instructions awaiting a
    batch and/or payments typed in, paid from one of the entity's accounts. The idempotency key may come as the
    `Idempotency-Key` header instead."""

    debtor_account = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="company bank account id")
    requested_execution_date = serializers.DateField()
    reference = serializers.CharField(max_length=35, required=False, allow_blank=True, default="")
    payments = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                     default=list, max_length=500, help_text="payment instruction ids")
    entered = EnteredPaymentSerializer(many=True, required=False, default=list, max_length=50)
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")

    def validate_requested_execution_date(self, day):
        if day < timezone.localdate():
            raise serializers.ValidationError("The execution date cannot be in the past.")
        return day
