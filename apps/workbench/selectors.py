"""Reads for the workbench pages, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import F, Q, QuerySet

from apps.access.roles import ACCESS_MATRIX, Capability
from apps.access.selectors import entity_ids
from apps.audit.models import AuditEvent
from apps.common.counting import bounded_count
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_queryset
from apps.governance.choices import VersionStatus
from apps.sync.selectors import record_queryset

from .models import PayloadEdit, SavedView

RELATED_LIMIT = 10
RELATED_COUNT_CAP = 1_000
TRACE_LIMIT = 50
HISTORY_LIMIT = 100


def resolvers() -> QuerySet:
    """Active users whose role may resolve exceptions (each case further narrows by legal entity)."""
    roles = [role for role, caps in ACCESS_MATRIX.items() if Capability.RESOLVE in caps]
    return get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("username")


def assignable_users(*, case: ExceptionCase) -> QuerySet:
    """Active users whose role may resolve and who work for the case's legal entity."""
    users = resolvers()
    if case.legal_entity_id is not None:
        users = users.filter(Q(entity_memberships__legal_entity_id=case.legal_entity_id) | Q(is_superuser=True))
    return users


@dataclass
class CaseDetail:
    """Everything the exception detail page shows besides the case itself."""

    attempts: list = field(default_factory=list)
    trace: list = field(default_factory=list)
    history: list = field(default_factory=list)
    related: list = field(default_factory=list)
    related_count: int = 0
    related_capped: bool = False  # more than related_count share the fingerprint
    edits: list = field(default_factory=list)
    pending_edit: PayloadEdit | None = None


def case_detail(*, user, case: ExceptionCase) -> CaseDetail:
    detail = CaseDetail()
    record = case.sync_record
    if record is not None:
        detail.attempts = list(record.attempts.select_related("mapping_version__mapping").order_by("number"))
        detail.edits = list(record.payload_edits.select_related("proposed_by", "reviewed_by").order_by("number"))
        detail.pending_edit = next((e for e in detail.edits if e.status == VersionStatus.PROPOSED), None)
    if case.correlation_id:
        # Every hop of the same business event across systems, oldest first, within the user's scope.
        detail.trace = list(record_queryset(user=user).filter(correlation_id=case.correlation_id)
                            .select_related("connector__system").order_by("created_at", "id")[:TRACE_LIMIT])
    objects = Q(object_type=ExceptionCase._meta.label, object_id=str(case.pk))
    if record is not None:
        objects |= Q(object_type=record._meta.label, object_id=str(record.pk))
        objects |= Q(object_type=PayloadEdit._meta.label, object_id__in=[str(e.pk) for e in detail.edits])
    detail.history = list(AuditEvent.objects.filter(objects).order_by("-id")[:HISTORY_LIMIT])
    # A fingerprint can hold tens of thousands of cases: the newest ten and a count that stops at RELATED_COUNT_CAP,
    # both read from exceptions 0005's (fingerprint, last_seen DESC NULLS LAST, id DESC) index.
    related = exception_queryset(user=user).filter(fingerprint=case.fingerprint).exclude(pk=case.pk)
    detail.related = list(related.select_related("legal_entity").order_by(
        F("last_seen").desc(nulls_last=True), "-id")[:RELATED_LIMIT])
    if len(detail.related) < RELATED_LIMIT:
        detail.related_count, detail.related_capped = len(detail.related), False
    else:
        counted = bounded_count(related, RELATED_COUNT_CAP)
        detail.related_count, detail.related_capped = counted.value, counted.capped
    return detail


FILTER_CHOICES_LIMIT = 200
LIST_OPTIONS_SECONDS = 60


def filter_choices(*, user) -> dict[str, list]:
    """Options for the list's dimension filters, within the user's entities (recent first where many)."""
    from apps.banking.models import CompanyBankAccount
    from apps.ledger.models import AccountingPeriod
    from apps.masterdata.models import SourceSystem, Supplier
    from apps.treasury.models import PaymentBatch

    ids = entity_ids(user)
    limit = FILTER_CHOICES_LIMIT
    return {
        "source_systems": list(SourceSystem.objects.order_by("name").values_list("id", "name")[:limit]),
        "bank_accounts": [(pk, f"{code} {name}") for pk, code, name in CompanyBankAccount.objects.filter(
            legal_entity_id__in=ids).values_list("id", "legal_entity__code", "name")[:limit]],
        "suppliers": [(pk, f"{number} {name}") for pk, number, name in Supplier.objects.filter(
            legal_entity_id__in=ids).order_by("name").values_list("id", "number", "name")[:limit]],
        "payment_batches": list(PaymentBatch.objects.filter(legal_entity_id__in=ids).order_by("-id")
                                .values_list("id", "reference")[:limit]),
        "periods": [(pk, f"{code} {year}/{number:02d}") for pk, code, year, number in AccountingPeriod.objects.filter(
            legal_entity_id__in=ids).order_by("-start_date").values_list(
            "id", "legal_entity__code", "fiscal_year", "number")[:limit]],
    }


def list_options(*, user) -> dict[str, object]:
    """The list page's option lists: the dimension filters' (`filter_choices`) and the people a bulk assignment
    can name (`resolvers`, as (id, username)). Cached per user and entity set for a minute: six queries, one a
    DISTINCT over users, on every list request otherwise, for lists that change a few times a day (a new
    supplier shows in the filter within a minute). The key carries the user's creation time, so a new user
    who gets a recycled id (SQLite, after a rollback) never sees another's options."""
    ids = sorted(entity_ids(user))
    key = (f"workbench:list-options:{user.pk}:{user.date_joined.timestamp()}:"
           f"{','.join(str(i) for i in ids)}")
    options = cache.get(key)
    if options is None:
        options = {"choices": filter_choices(user=user),
                   "resolvers": list(resolvers().values_list("id", "username"))}
        cache.set(key, options, LIST_OPTIONS_SECONDS)
    return options


def saved_views_for(*, user) -> QuerySet[SavedView]:
    """My views and the shared ones (each still shows only the viewer's entities)."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner").order_by("name", "id")


def pending_edit_get(*, user, pk: int) -> PayloadEdit:
    """A proposed edit of a record the user can see, or PayloadEdit.DoesNotExist (404)."""
    return PayloadEdit.objects.select_related("case", "record").get(
        pk=pk, record__in=record_queryset(user=user).values("pk"))
