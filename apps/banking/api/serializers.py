from rest_framework import serializers

from apps.masterdata.models import LegalEntity

from ..models import BankFileUpload


class BankFileUploadSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BankFileUpload
        fields = ["id", "legal_entity", "filename", "size", "sha256", "channel", "status", "format",
                  "statements_created", "statements_duplicate", "entries", "exceptions_raised", "message",
                  "statement_file", "job", "uploaded_by", "created_at", "processed_at"]
        read_only_fields = fields


class BankFileUploadRequestSerializer(serializers.Serializer):
    """multipart/form-data: ``legal_entity`` (code) and one or more ``files``."""

    legal_entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects.all())
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False)


class UploadStartedSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    job_url = serializers.CharField()
    uploads = BankFileUploadSerializer(many=True)


class MatchItemSerializer(serializers.Serializer):
    statement_line = serializers.IntegerField(source="statement_line_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    end_to_end_id = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=19, decimal_places=4)

    def get_end_to_end_id(self, item) -> str | None:
        return item.payment.end_to_end_id if item.payment_id else None


class ReconciliationMatchSerializer(serializers.Serializer):
    """A match or candidate with ``reason``: the rule and the fields it compared, with the values."""

    id = serializers.IntegerField()
    rule = serializers.CharField()
    rule_label = serializers.CharField(source="get_rule_display")
    status = serializers.CharField()
    reason = serializers.JSONField()
    currency = serializers.CharField()
    line_total = serializers.DecimalField(max_digits=19, decimal_places=4)
    payment_total = serializers.DecimalField(max_digits=19, decimal_places=4)
    items = MatchItemSerializer(many=True, source="sides")  # one entry per line and per payment
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line_no = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    currency = serializers.CharField()
    credit_debit = serializers.CharField()
    booking_date = serializers.DateField(allow_null=True)
    value_date = serializers.DateField(allow_null=True)
    end_to_end_id = serializers.CharField()
    bank_reference = serializers.CharField()
    counterparty_name = serializers.CharField()
    counterparty_account = serializers.CharField()
    remittance_info = serializers.CharField()
    reconciliation_status = serializers.CharField()
    matches = ReconciliationMatchSerializer(many=True)


class StatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    statement_id = serializers.CharField()
    legal_entity = serializers.CharField(source="legal_entity.code")
    bank_account = serializers.IntegerField(source="bank_account_id")
    account = serializers.CharField(source="bank_account.identifier")
    kind = serializers.CharField()
    format = serializers.CharField()
    sequence_number = serializers.CharField()
    currency = serializers.CharField()
    from_date = serializers.DateField(allow_null=True)
    to_date = serializers.DateField(allow_null=True)
    opening_balance = serializers.DecimalField(max_digits=19, decimal_places=4, allow_null=True)
    closing_balance = serializers.DecimalField(max_digits=19, decimal_places=4, allow_null=True)
    available_balance = serializers.DecimalField(max_digits=19, decimal_places=4, allow_null=True)
    line_count = serializers.IntegerField()
    open_line_count = serializers.IntegerField()


class StatementDetailSerializer(StatementSerializer):
    lines = StatementLineSerializer(many=True)


class ManualMatchSerializer(serializers.Serializer):
    lines = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    payments = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MatchDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="why (confirm: optional; undo: required)")


class PaymentStatusEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    report_message_id = serializers.CharField()
    bank_status = serializers.CharField()
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    reason_code = serializers.CharField()
    reason_text = serializers.CharField()


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    end_to_end_id = serializers.CharField()
    legal_entity = serializers.CharField(source="legal_entity.code")
    batch = serializers.CharField(source="batch.reference", allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    currency = serializers.CharField()
    creditor_name = serializers.CharField()
    requested_date = serializers.DateField()
    status = serializers.CharField()
    status_reason_code = serializers.CharField()
    status_reason_text = serializers.CharField()
    matches = ReconciliationMatchSerializer(many=True)
    status_history = PaymentStatusEventSerializer(many=True)
