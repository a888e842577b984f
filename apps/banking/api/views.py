"""Bank data over the API: upload bank files (imported by a background job), statements with their
reconciliation, a person's match decisions, and a payment's match and bank status history."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.access.selectors import entity_ids
from apps.common.http import client_ip
from apps.treasury.models import PaymentInstruction, ReconciliationMatch
from apps.treasury.reconciliation import reconciliation_confirm, reconciliation_match_manual, reconciliation_undo
from apps.treasury.selectors import payment_get, payment_matches, payment_status_history, reconciliation_matches

from ..choices import FileChannel
from ..filtersets import StatementFilterSet
from ..models import BankFileUpload, BankStatement
from ..selectors import statement_lines_with_matches, statement_queryset, upload_list
from ..uploads import IncomingFile, bank_files_upload
from .serializers import (
    BankFileUploadRequestSerializer,
    BankFileUploadSerializer,
    ManualMatchSerializer,
    MatchDecisionSerializer,
    PaymentSerializer,
    ReconciliationMatchSerializer,
    StatementDetailSerializer,
    StatementLineSerializer,
    StatementSerializer,
    UploadStartedSerializer,
)


class BankFileUploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploaded bank files of the caller's legal entities with what their import did; POST uploads new ones
    and answers 202 with the job to poll (/api/v1/jobs/<id>/)."""

    queryset = BankFileUpload.objects.none()  # the schema generator's model; requests use get_queryset
    parser_classes = [MultiPartParser]
    serializer_class = BankFileUploadSerializer
    filterset_fields = ["status", "format", "legal_entity"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankFileUpload.objects.none()
        return upload_list(user=self.request.user)

    @extend_schema(request={"multipart/form-data": BankFileUploadRequestSerializer},
                   responses={202: UploadStartedSerializer})
    def create(self, request):
        incoming = BankFileUploadRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        entity = incoming.validated_data["legal_entity"]
        files = [IncomingFile(f.name, f) for f in incoming.validated_data["files"]]
        if entity.pk not in entity_ids(request.user):
            # Another entity's code answers like an unknown one: no hint that it exists.
            return Response({"legal_entity": ["Unknown legal entity."]}, status=status.HTTP_400_BAD_REQUEST)
        job = bank_files_upload(files=files, legal_entity=entity, actor=request.user, channel=FileChannel.API,
                                ip_address=client_ip(request))
        uploads = BankFileUpload.objects.filter(job=job).select_related("legal_entity", "uploaded_by").order_by("id")
        return Response({"job": job.pk, "job_url": f"/api/v1/jobs/{job.pk}/",
                         "uploads": BankFileUploadSerializer(uploads, many=True).data},
                        status=status.HTTP_202_ACCEPTED)


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    """Bank statements of the caller's entities (same filters as the statements page); the detail has every
    line with its reconciliation status, its match and its candidates, each with the reason."""

    queryset = BankStatement.objects.none()
    filterset_class = StatementFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankStatement.objects.none()
        return statement_queryset(user=self.request.user).order_by("-to_date", "-id")

    def get_serializer_class(self):
        return StatementDetailSerializer if self.action == "retrieve" else StatementSerializer

    def retrieve(self, request, pk=None):
        statement = self.get_object()
        statement.lines_list = statement_lines_with_matches(statement=statement)
        data = StatementSerializer(statement).data
        data["lines"] = StatementLineSerializer(statement.lines_list, many=True).data
        return Response(data)


class ReconciliationMatchViewSet(viewsets.GenericViewSet):
    """A person's reconciliation decisions: confirm a candidate, undo a match, match lines to payments by hand."""

    queryset = ReconciliationMatch.objects.none()
    serializer_class = ReconciliationMatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReconciliationMatch.objects.none()
        return reconciliation_matches(user=self.request.user)

    @extend_schema(request=ManualMatchSerializer, responses={201: ReconciliationMatchSerializer})
    def create(self, request):
        body = ManualMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = reconciliation_match_manual(line_ids=body.validated_data["lines"],
                                            payment_ids=body.validated_data["payments"], actor=request.user,
                                            note=body.validated_data["note"], ip_address=client_ip(request))
        return Response(ReconciliationMatchSerializer(self.get_queryset().get(pk=match.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=MatchDecisionSerializer, responses=ReconciliationMatchSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        body = MatchDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = reconciliation_confirm(match=self.get_object(), actor=request.user, note=body.validated_data["note"],
                                       ip_address=client_ip(request))
        return Response(ReconciliationMatchSerializer(self.get_queryset().get(pk=match.pk)).data)

    @extend_schema(request=MatchDecisionSerializer, responses=ReconciliationMatchSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        body = MatchDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = reconciliation_undo(match=self.get_object(), actor=request.user, reason=body.validated_data["note"],
                                    ip_address=client_ip(request))
        return Response(ReconciliationMatchSerializer(self.get_queryset().get(pk=match.pk)).data)


class PaymentViewSet(viewsets.GenericViewSet):
    """A payment with its statement match (and candidates) and its pain.002 status history."""

    queryset = PaymentInstruction.objects.none()
    serializer_class = PaymentSerializer

    def retrieve(self, request, pk=None):
        try:
            payment = payment_get(user=request.user, pk=int(pk))
        except (ValueError, PaymentInstruction.DoesNotExist) as exc:
            raise NotFound("No such payment.") from exc
        payment.matches = payment_matches(payment=payment)
        payment.status_history = payment_status_history(payment=payment)
        return Response(PaymentSerializer(payment).data)
