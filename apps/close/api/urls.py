from django.urls import path

from .views import close_evidence_view, close_readiness_view

urlpatterns = [
    path("close-readiness/", close_readiness_view, name="close-readiness"),
    path("close-readiness/evidence/", close_evidence_view, name="close-evidence"),
]
