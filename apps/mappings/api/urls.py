from rest_framework.routers import SimpleRouter

from .views import MappingVersionViewSet, MappingViewSet

router = SimpleRouter()
router.register("mappings", MappingViewSet, basename="mapping")
router.register("mapping-versions", MappingVersionViewSet, basename="mapping-version")
urlpatterns = router.urls
