"""Catalog filters, shared by the page and the API."""

import django_filters
from django.db.models import Q

from apps.common.filters import InFilter

from .choices import Classification, InterfaceKind
from .models import CatalogEntry


class CatalogEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=InterfaceKind.choices)
    classification = InFilter(choices=Classification.choices)
    owning_domain = django_filters.CharFilter()
    owning_team = django_filters.CharFilter()
    connector_id = django_filters.NumberFilter()
    schema = django_filters.CharFilter(method="by_schema", label="Produces or consumes (e.g. supplier v1)")

    class Meta:
        model = CatalogEntry
        fields = ["kind", "classification", "owning_domain", "owning_team"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(consumers__icontains=value) | Q(note__icontains=value)
                               | Q(owning_team__icontains=value))

    def by_schema(self, queryset, name, value):
        # A catalog holds hundreds of rows: filter the JSON lists in Python, the same on SQLite and PostgreSQL.
        ids = [pk for pk, produces, consumes in queryset.values_list("id", "produces", "consumes")
               if value in (produces or []) + (consumes or [])]
        return queryset.filter(pk__in=ids)
