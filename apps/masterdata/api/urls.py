from rest_framework.routers import DefaultRouter

from .views import LegalEntityViewSet, SupplierViewSet

router = DefaultRouter()
router.register("legal-entities", LegalEntityViewSet, basename="legal-entity")
router.register("suppliers", SupplierViewSet, basename="supplier")

urlpatterns = router.urls
