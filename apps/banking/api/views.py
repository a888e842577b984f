"""Bank files over the API: upload statements and pain.002 reports (imported by a background job)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.access.selectors import entity_ids

from ..choices import FileChannel
from ..models import BankFileUpload
from ..selectors import upload_list
from ..uploads import IncomingFile, bank_files_upload
from .serializers import BankFileUploadRequestSerializer, BankFileUploadSerializer, UploadStartedSerializer


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
        files = [IncomingFile(f.name, f.read()) for f in incoming.validated_data["files"]]
        if entity.pk not in entity_ids(request.user):
            # Another entity's code answers like an unknown one: no hint that it exists.
            return Response({"legal_entity": ["Unknown legal entity."]}, status=status.HTTP_400_BAD_REQUEST)
        job = bank_files_upload(files=files, legal_entity=entity, actor=request.user, channel=FileChannel.API,
                                ip_address=request.META.get("REMOTE_ADDR"))
        uploads = BankFileUpload.objects.filter(job=job).select_related("legal_entity", "uploaded_by").order_by("id")
        return Response({"job": job.pk, "job_url": f"/api/v1/jobs/{job.pk}/",
                         "uploads": BankFileUploadSerializer(uploads, many=True).data},
                        status=status.HTTP_202_ACCEPTED)

