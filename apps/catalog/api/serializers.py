from rest_framework import serializers

from ..models import CatalogEntry


class CatalogEntrySerializer(serializers.ModelSerializer):
    connector = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CatalogEntry
        fields = ["id", "kind", "name", "connector", "flow", "owning_domain", "owning_team", "produces", "consumes",
                  "consumers", "classification", "note", "updated_at"]
        read_only_fields = fields
