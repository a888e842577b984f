"""The workbench's actions for scripts: replay one exception's record (or dry-run it) and bulk actions as a
background job. Same services as the pages: capability, scope, four-eyes and audit apply alike."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http import client_ip
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_get
from apps.workbench.bulk import bulk_start
from apps.workbench.services import case_replay

from .serializers import BulkSerializer, BulkStartedSerializer, CaseReplayResultSerializer, CaseReplaySerializer


class CaseReplayView(APIView):
    @extend_schema(request=CaseReplaySerializer, responses=CaseReplayResultSerializer,
                   operation_id="workbench_exception_replay")
    def post(self, request, pk: int):
        """Replay the record behind an exception with the original or current mapping version (dry_run: only
        say what would happen). The exception closes by itself when the new attempt succeeds."""
        try:
            case = exception_get(user=request.user, pk=pk)
        except ExceptionCase.DoesNotExist as exc:
            raise Http404("No such exception") from exc
        params = CaseReplaySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        plan = case_replay(case=case, actor=request.user, ip_address=client_ip(request), **params.validated_data)
        return Response({"exception_id": case.pk, "record_id": plan.record.pk,
                         "dry_run": params.validated_data["dry_run"], "would": plan.would})


class BulkView(APIView):
    @extend_schema(request=BulkSerializer, responses={202: BulkStartedSerializer}, operation_id="workbench_bulk")
    def post(self, request):
        """Start a bulk action (resolve, ignore, assign, claim, replay) over ids or over a filter; follow the
        returned job for progress and the summary of done and skipped (by reason)."""
        params = BulkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job = bulk_start(actor=request.user, action_name=params.validated_data["action"],
                         data=params.validated_data["data"], ids=params.validated_data["ids"],
                         query=params.validated_data["query"], ip_address=client_ip(request))
        return Response({"job_id": job.pk, "total": job.progress_total, "url": f"/api/v1/jobs/{job.pk}/"},
                        status=status.HTTP_202_ACCEPTED)
