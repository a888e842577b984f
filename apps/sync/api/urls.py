from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import InboundEventView, SyncRecordViewSet

router = DefaultRouter()
router.register("records", SyncRecordViewSet, basename="sync-record")

urlpatterns = [
    path("inbound/<slug:connector>/events", InboundEventView.as_view(), name="inbound-events"),
    *router.urls,
]
