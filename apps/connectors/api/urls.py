from rest_framework.routers import DefaultRouter

from .views import ConnectorViewSet

router = DefaultRouter()
router.register("connectors", ConnectorViewSet, basename="connector")

urlpatterns = router.urls
