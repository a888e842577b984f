from rest_framework import serializers

from apps.workbench.actions import BULK_ACTIONS
from apps.workbench.services import VERSION_CHOICES


class CaseReplaySerializer(serializers.Serializer):
    version_choice = serializers.ChoiceField(choices=VERSION_CHOICES, default="current")
    dry_run = serializers.BooleanField(default=False)
    reason = serializers.CharField(allow_blank=True, default="", max_length=500)


class CaseReplayResultSerializer(serializers.Serializer):
    exception_id = serializers.IntegerField()
    record_id = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    would = serializers.CharField(help_text="what the replay does (or would do), in words")


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(BULK_ACTIONS))
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_null=True,
                                max_length=50_000, default=None,
                                help_text="the exceptions to act on; leave out to act on everything matching `query`")
    query = serializers.CharField(allow_blank=True, default="", max_length=2000,
                                  help_text="workbench filters as a query string, e.g. severity=high&sla=breached")
    data = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=4000), default=dict,
                                 help_text="the action's fields: reason_code and note (resolve), justification "
                                           "(ignore), owner = user id (assign), version_choice, reason and "
                                           "dry_run (replay)")


class BulkStartedSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    total = serializers.IntegerField()
    url = serializers.CharField(help_text="the job's progress and summary (GET /api/v1/jobs/<id>/)")
