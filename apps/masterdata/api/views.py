from rest_framework import viewsets

from apps.masterdata.filtersets import SupplierFilterSet
from apps.masterdata.selectors import legal_entity_list, supplier_list

from .serializers import LegalEntitySerializer, SupplierSerializer


class LegalEntityViewSet(viewsets.ReadOnlyModelViewSet):
    """Legal entities the caller may see."""

    serializer_class = LegalEntitySerializer

    def get_queryset(self):
        return legal_entity_list(user=self.request.user)


class SupplierViewSet(viewsets.ReadOnlyModelViewSet):
    """Suppliers of the caller's legal entities."""

    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet

    def get_queryset(self):
        return supplier_list(user=self.request.user)
