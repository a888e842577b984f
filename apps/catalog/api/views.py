from rest_framework import viewsets

from ..filtersets import CatalogEntryFilterSet
from ..selectors import catalog_entries
from .serializers import CatalogEntrySerializer


class CatalogEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The interface catalog: every connector and flow with owner, canonical objects and schema versions
    produced and consumed, consumers and migration classification. Edited in the admin (audited)."""

    serializer_class = CatalogEntrySerializer
    filterset_class = CatalogEntryFilterSet
    queryset = catalog_entries()
