"""Filters shared by the pages and the API."""

import django_filters
from django.db.models import Q

from .models import Supplier


class SupplierFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    legal_entity_id = django_filters.NumberFilter(field_name="legal_entity_id")

    class Meta:
        model = Supplier
        fields = ("legal_entity_id", "country", "status")

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(number__icontains=value) | Q(tax_id__icontains=value))
