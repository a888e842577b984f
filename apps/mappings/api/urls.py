from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    CanonicalSchemaViewSet,
    MappingVersionViewSet,
    MappingViewSet,
    canonical_schema_validate,
    canonical_schema_version,
)

router = SimpleRouter()
router.register("mappings", MappingViewSet, basename="mapping")
router.register("mapping-versions", MappingVersionViewSet, basename="mapping-version")
router.register("canonical-schemas", CanonicalSchemaViewSet, basename="canonical-schema")
urlpatterns = [
    path("canonical-schemas/<slug:canonical_type>/<slug:version>/", canonical_schema_version,
         name="canonical-schema-version"),
    path("canonical-schemas/<slug:canonical_type>/<slug:version>/validate/", canonical_schema_validate,
         name="canonical-schema-validate"),
    *router.urls,
]
