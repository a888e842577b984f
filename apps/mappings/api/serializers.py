from rest_framework import serializers

from ..models import Mapping, MappingVersion


class MappingVersionSerializer(serializers.ModelSerializer):
    proposed_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()

    class Meta:
        model = MappingVersion
        fields = ["id", "mapping", "number", "status", "schema_version", "effective_from", "change_note",
                  "proposed_by", "proposed_at", "reviewed_by", "reviewed_at", "review_note", "spec"]
        read_only_fields = fields


class MappingSerializer(serializers.ModelSerializer):
    source_system = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version_in_effect = serializers.SerializerMethodField()
    awaiting_review = serializers.SerializerMethodField()

    class Meta:
        model = Mapping
        fields = ["id", "source_system", "object_type", "canonical_type", "description", "version_in_effect",
                  "awaiting_review"]

    def get_version_in_effect(self, obj) -> int | None:
        current = getattr(obj, "current", None)
        return current.pk if current else None

    def get_awaiting_review(self, obj) -> list[int]:
        return [v.pk for v in getattr(obj, "proposed", [])]


class DraftSerializer(serializers.Serializer):
    mapping = serializers.PrimaryKeyRelatedField(queryset=Mapping.objects.all())
    spec = serializers.JSONField()
    schema_version = serializers.CharField(default="v1")
    effective_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    change_note = serializers.CharField(required=False, allow_blank=True, default="")


class DraftUpdateSerializer(DraftSerializer):
    mapping = None


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PreviewRequestSerializer(serializers.Serializer):
    payload = serializers.JSONField()
    spec = serializers.JSONField(required=False, help_text="unsaved rules; default: the version given or in effect")
    version = serializers.IntegerField(required=False, help_text="id of a version of this mapping")
    schema_version = serializers.CharField(required=False)


class PreviewSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    outcome = serializers.CharField(help_text="the exception kind the record would become; empty when valid")
    flow = serializers.CharField(allow_null=True)
    canonical = serializers.JSONField(allow_null=True)
    mapping_errors = serializers.ListField(child=serializers.DictField())
    validation_errors = serializers.ListField(child=serializers.DictField())


class ImportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv"])
    content = serializers.CharField(help_text="the exported version (JSON) or crosswalk rows (CSV)")


class ChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    section = serializers.CharField()
    key = serializers.CharField()
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)


class SchemaSummarySerializer(serializers.Serializer):
    canonical_type = serializers.CharField()
    version = serializers.CharField()
    title = serializers.CharField()
    id = serializers.CharField(help_text="the schema's $id")
    url = serializers.CharField()


class SchemaErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="where, e.g. lines[2].amount ('(the object)' for the whole object)")
    reason = serializers.CharField(help_text="what is wrong, in words")
