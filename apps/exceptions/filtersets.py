"""Filters for exceptions, shared by the workbench pages and the API: every dimension, SLA state, age."""

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from apps.common.filters import InFilter

from .choices import OPEN_STATUSES, Severity, Status, kind_choices
from .models import ExceptionCase

SLA_STATES = [("on_time", "On time"), ("due_soon", "Due soon"), ("breached", "Breached")]
DUE_SOON = timedelta(hours=4)
MAX_AGE_HOURS = 24 * 366 * 20  # beyond this a timedelta would overflow; nothing is that old anyway


class ExceptionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search references")
    legal_entity_id = django_filters.NumberFilter()
    bank_account_id = django_filters.NumberFilter()
    supplier_id = django_filters.NumberFilter()
    payment_batch_id = django_filters.NumberFilter()
    period_id = django_filters.NumberFilter()
    source_system_id = django_filters.NumberFilter()
    sync_record_id = django_filters.NumberFilter()
    owner_id = django_filters.NumberFilter()
    unassigned = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label="Unassigned")
    resolved_by_id = django_filters.NumberFilter()
    record_type = django_filters.CharFilter()
    # distinct=False: these are columns of the row itself, so no duplicates can arise, and SELECT DISTINCT over
    # a million rows would sort them all and rule out the index-ordered (keyset) read.
    kind = InFilter(choices=kind_choices())
    severity = InFilter(choices=Severity.choices)
    status = InFilter(choices=Status.choices)
    fingerprint = django_filters.CharFilter()
    correlation_id = django_filters.CharFilter()
    sla = django_filters.ChoiceFilter(choices=SLA_STATES, method="sla_state", label="SLA state")
    older_than_hours = django_filters.NumberFilter(method="older_than", label="Older than (hours)", min_value=0,
                                                   max_value=MAX_AGE_HOURS)

    class Meta:
        model = ExceptionCase
        fields = ["kind", "severity", "status", "record_type"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value)
                               | Q(correlation_id=value))

    def sla_state(self, queryset, name, value):
        now = timezone.now()
        # Only open cases have an SLA state; said once when the status filter already keeps to open cases (a
        # repeated condition skews PostgreSQL's row estimate, see InFilter).
        statuses = set(self.form.cleaned_data.get("status") or ())
        open_q = Q() if statuses and statuses <= set(OPEN_STATUSES) else Q(status__in=OPEN_STATUSES)
        if value == "breached":
            return queryset.filter(open_q, sla_due_at__lt=now)
        if value == "due_soon":
            return queryset.filter(open_q, sla_due_at__gte=now, sla_due_at__lt=now + DUE_SOON)
        return queryset.filter(open_q, sla_due_at__gte=now + DUE_SOON)

    def older_than(self, queryset, name, value):
        return queryset.filter(first_seen__lt=timezone.now() - timedelta(hours=float(value)))
