from rest_framework import serializers

from apps.sync.models import SyncAttempt, SyncRecord


class SyncAttemptSerializer(serializers.ModelSerializer):
    mapping_version = serializers.StringRelatedField()

    class Meta:
        model = SyncAttempt
        fields = ("id", "number", "started_at", "finished_at", "outcome", "error", "mapping_version", "latency_ms",
                  "retry_after_ms", "worker", "replay")


class SyncRecordSerializer(serializers.ModelSerializer):
    connector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SyncRecord
        fields = ("id", "direction", "connector", "flow", "object_type", "external_id", "idempotency_key",
                  "correlation_id", "legal_entity", "status", "attempt_count", "next_attempt_at", "delivered_at",
                  "target_external_id", "last_error", "mapping_version", "created_at", "updated_at")


class SyncRecordDetailSerializer(SyncRecordSerializer):
    attempts = SyncAttemptSerializer(many=True, read_only=True)

    class Meta(SyncRecordSerializer.Meta):
        fields = (*SyncRecordSerializer.Meta.fields, "payload", "edited_payload", "canonical", "attempts")


class ReplaySerializer(serializers.Serializer):
    version = serializers.ChoiceField(choices=["current", "original"], default="current")
    dry_run = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class InboundAcceptedSerializer(serializers.Serializer):
    record_id = serializers.IntegerField()
    correlation_id = serializers.CharField()
    status = serializers.CharField()
    duplicate = serializers.BooleanField()
