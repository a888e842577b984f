"""Jobs over the API: a script that started a bulk action polls its job here."""

from rest_framework import viewsets

from ..models import Job
from ..selectors import job_queryset
from .serializers import JobDetailSerializer, JobSerializer


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background jobs the caller started (system admins: all), newest first."""

    queryset = Job.objects.none()  # the schema generator's model; requests use get_queryset
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return job_queryset(user=self.request.user).select_related("created_by")

    def get_serializer_class(self):
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer
