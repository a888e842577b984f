from django.urls import path

from .views import BulkView, CaseReplayView

urlpatterns = [
    path("workbench/bulk/", BulkView.as_view(), name="workbench-bulk"),
    path("workbench/exceptions/<int:pk>/replay/", CaseReplayView.as_view(), name="workbench-exception-replay"),
]
