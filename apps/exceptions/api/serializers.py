from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.exceptions.choices import ResolutionCode
from apps.exceptions.models import ExceptionCase


class ExceptionSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source_system = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExceptionCase
        fields = ("id", "kind", "severity", "status", "title", "message", "reference", "correlation_id",
                  "legal_entity", "bank_account_id", "supplier_id", "payment_batch_id", "period_id", "source_system",
                  "record_type", "sync_record_id", "fingerprint", "occurrence_count", "first_seen", "last_seen",
                  "sla_due_at", "owner", "resolved_at", "resolution_code", "resolution_note")


class ExceptionDetailSerializer(ExceptionSerializer):
    class Meta(ExceptionSerializer.Meta):
        fields = (*ExceptionSerializer.Meta.fields, "details")


class ResolveSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=ResolutionCode.choices)
    note = serializers.CharField(allow_blank=True, default="")


class IgnoreSerializer(serializers.Serializer):
    justification = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    owner = serializers.SlugRelatedField(slug_field="username",
                                         queryset=get_user_model().objects.filter(is_active=True))
