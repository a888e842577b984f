from rest_framework.routers import SimpleRouter

from .views import CatalogEntryViewSet

router = SimpleRouter()
router.register("interface-catalog", CatalogEntryViewSet, basename="catalog-entry")
urlpatterns = router.urls
