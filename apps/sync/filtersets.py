"""Filters for sync records, shared by pages and the API."""

import django_filters
from django.db.models import Q

from apps.common.filters import InFilter

from .choices import RecordStatus
from .models import SyncRecord


class SyncRecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    correlation_id = django_filters.CharFilter()
    status = InFilter(choices=RecordStatus.choices)
    connector_id = django_filters.NumberFilter()
    connector = django_filters.CharFilter(field_name="connector__code")
    source_system = django_filters.CharFilter(field_name="connector__system__code")
    object_type = django_filters.CharFilter()
    flow = django_filters.CharFilter()
    legal_entity_id = django_filters.NumberFilter()
    mapping_version_id = django_filters.NumberFilter()
    parent_id = django_filters.NumberFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SyncRecord
        fields = ["correlation_id", "status", "object_type", "flow"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(external_id__icontains=value) | Q(correlation_id=value)
                               | Q(target_external_id__icontains=value))
