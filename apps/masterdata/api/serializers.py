from rest_framework import serializers

from apps.masterdata.models import LegalEntity, Supplier


class LegalEntitySerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalEntity
        fields = ("id", "code", "name", "country", "functional_currency", "time_zone", "is_active")


class SupplierSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Supplier
        fields = ("id", "legal_entity", "number", "name", "country", "tax_id", "status", "created_at", "updated_at")
