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
