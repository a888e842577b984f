from rest_framework import serializers

from apps.connectors.models import Connector, ConnectorRun


class ConnectorRunSerializer(serializers.ModelSerializer):
    unaccounted = serializers.IntegerField(read_only=True)

    class Meta:
        model = ConnectorRun
        fields = ("id", "trigger", "status", "started_at", "finished_at", "read", "stored", "duplicates", "rejected",
                  "failed", "unaccounted", "error")


class ConnectorSerializer(serializers.ModelSerializer):
    """Secrets are write-only elsewhere and never serialised: only whether they are set."""

    system = serializers.SlugRelatedField(slug_field="code", read_only=True)
    has_credentials = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()

    class Meta:
        model = Connector
        fields = ("id", "code", "name", "system", "kind", "adapter", "base_url", "enabled", "circuit_state",
                  "circuit_opened_at", "consecutive_failures", "auth_state", "last_success_at", "last_error_at",
                  "last_error", "rate_limit_per_minute", "owning_domain", "owning_team", "has_credentials", "last_run")

    def get_has_credentials(self, obj) -> bool:
        return bool(obj.credentials_encrypted)

    def get_last_run(self, obj) -> dict | None:
        run = obj.runs.order_by("-started_at").first()
        return ConnectorRunSerializer(run).data if run else None


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()
    elapsed_ms = serializers.IntegerField()
