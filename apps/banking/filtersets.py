"""Filters for bank statements, shared by the statements page and the API."""

import django_filters

from .choices import StatementKind
from .models import BankStatement

STATEMENT_STATES = [("open", "Lines to reconcile"), ("reconciled", "Fully reconciled")]


class StatementFilterSet(django_filters.FilterSet):
    legal_entity_id = django_filters.NumberFilter()
    bank_account_id = django_filters.NumberFilter()
    source_file_id = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=StatementKind.choices)
    date_from = django_filters.DateFilter(field_name="to_date", lookup_expr="gte", label="From")
    date_to = django_filters.DateFilter(field_name="to_date", lookup_expr="lte", label="To")
    status = django_filters.ChoiceFilter(choices=STATEMENT_STATES, method="reconciliation_state",
                                         label="Reconciliation")
    q = django_filters.CharFilter(method="search", label="Statement id")

    class Meta:
        model = BankStatement
        fields = ["kind"]

    def reconciliation_state(self, queryset, name, value):
        """Needs the ``open_line_count`` annotation of ``selectors.statement_queryset``."""
        return queryset.filter(open_line_count__gt=0) if value == "open" else queryset.filter(open_line_count=0)

    def search(self, queryset, name, value):
        return queryset.filter(statement_id__icontains=value.strip())
