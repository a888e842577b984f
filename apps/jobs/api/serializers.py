from rest_framework import serializers

from ..models import Job, JobLogEntry


class JobLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = JobLogEntry
        fields = ["at", "level", "message"]


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Job
        fields = ["id", "kind", "label", "status", "progress_done", "progress_total", "progress_unit", "percent",
                  "result", "error", "created_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class JobDetailSerializer(JobSerializer):
    log = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "log"]
        read_only_fields = fields

    def get_log(self, job) -> list[dict]:
        from ..selectors import job_log

        return JobLogEntrySerializer(job_log(job=job), many=True).data
