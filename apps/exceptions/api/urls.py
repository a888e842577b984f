from rest_framework.routers import DefaultRouter

from .views import ExceptionViewSet

router = DefaultRouter()
router.register("exceptions", ExceptionViewSet, basename="exception")

urlpatterns = router.urls
