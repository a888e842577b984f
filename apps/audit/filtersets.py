"""Filters of the audit trail page and its CSV export (all in the URL, so a filtered view can be shared)."""

import django_filters
from django.db.models import Q

from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label="Actor (username)")
    action = django_filters.CharFilter(method="action_prefix", label="Action (e.g. api_token or api_token.create)")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type (e.g. exceptions.ExceptionCase)")
    object_id = django_filters.CharFilter(label="Object id")
    legal_entity_id = django_filters.NumberFilter(label="Legal entity")
    occurred_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="From")
    occurred_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="To")
    q = django_filters.CharFilter(method="search", label="Search object, reason, correlation id")

    class Meta:
        model = AuditEvent
        fields = []

    def action_prefix(self, queryset, name, value):
        return queryset.filter(Q(action=value) | Q(action__startswith=f"{value}."))

    def search(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(reason__icontains=value)
                               | Q(correlation_id=value) | Q(object_id=value))
