from rest_framework.routers import DefaultRouter

from .views import FaultProfileViewSet

router = DefaultRouter()
router.register("faults", FaultProfileViewSet, basename="sandbox-fault")

urlpatterns = router.urls
