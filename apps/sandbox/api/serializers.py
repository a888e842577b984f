from rest_framework import serializers

from apps.sandbox.models import FaultProfile
from apps.sandbox.services import FAULT_FIELDS


class FaultProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaultProfile
        fields = ("system", *FAULT_FIELDS, "request_count", "updated_at")
        read_only_fields = ("system", "request_count", "updated_at")

    def validate(self, attrs):
        start = attrs.get("outage_from", getattr(self.instance, "outage_from", None))
        end = attrs.get("outage_until", getattr(self.instance, "outage_until", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"outage_until": "must be after outage_from"})
        return attrs
