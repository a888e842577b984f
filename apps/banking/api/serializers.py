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
