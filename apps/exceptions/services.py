"""Raising and acting on business exceptions. Every action is audited in the same transaction."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.masterdata.models import LegalEntity

from .choices import KINDS, OPEN_STATUSES, TRANSITIONS, ResolutionCode, Severity, Status
from .live import announce_on_commit
from .models import ExceptionCase
from .selectors import exception_in_scope
from .tally import tally_closed, tally_opened

SLA_BY_SEVERITY = {
    Severity.CRITICAL: timedelta(hours=4),
    Severity.HIGH: timedelta(hours=24),
    Severity.MEDIUM: timedelta(hours=72),
    Severity.LOW: timedelta(days=7),
}
_VOLATILE = re.compile(r"\d+(?:[.,]\d+)*")


def _digest(*parts) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def fingerprint_for(*, kind: str, source_system_id, record_type: str, cause: str) -> str:
    """Identical failures share a fingerprint: same kind, system, record type and cause, whatever the
    numbers in the message (amounts, ids, dates)."""
    return _digest(kind, source_system_id, record_type, _VOLATILE.sub("#", cause.strip().lower()))


def exception_raise(
    *,
    kind: str,
    message: str,
    title: str = "",
    subject: str = "",
    cause: str = "",
    severity: str | None = None,
    details: dict | None = None,
    reference: str = "",
    correlation_id: str = "",
    legal_entity=None,
    bank_account=None,
    supplier=None,
    payment_batch=None,
    period=None,
    source_system=None,
    record_type: str = "",
    sync_record=None,
) -> ExceptionCase:
    """Open a case, or count one more occurrence of the same open case (same kind and subject).

    `subject` names what the problem is about (default: the sync record, else the reference); `cause`
    is what makes two failures "the same problem" for grouping (default: the message).
    """
    info = KINDS.get(kind)
    if info is None:
        raise DomainError(f"unknown exception kind {kind!r}", code="unknown_kind")
    now = timezone.now()
    subject = subject or (f"record:{sync_record.pk}" if sync_record is not None else f"ref:{reference}")
    dedup_key = _digest(kind, subject)
    severity = severity or info.severity
    with transaction.atomic():
        bumped = ExceptionCase.objects.filter(dedup_key=dedup_key, status__in=OPEN_STATUSES).update(
            occurrence_count=F("occurrence_count") + 1, last_seen=now, message=message, details=details or {})
        if bumped:
            return _repeated(dedup_key)
        case = ExceptionCase(
            kind=kind, severity=severity, title=(title or info.label)[:200], message=message,
            details=details or {}, reference=reference[:200], correlation_id=correlation_id,
            legal_entity=legal_entity, bank_account=bank_account, supplier=supplier, payment_batch=payment_batch,
            period=period, source_system=source_system, record_type=record_type, sync_record=sync_record,
            fingerprint=fingerprint_for(kind=kind, source_system_id=getattr(source_system, "pk", None),
                                        record_type=record_type, cause=cause or message),
            dedup_key=dedup_key, first_seen=now, last_seen=now, sla_due_at=now + SLA_BY_SEVERITY[severity])
        try:
            with transaction.atomic():
                case.save(force_insert=True)
        except IntegrityError:
            # Another process opened the same case between our update and insert: count on it.
            ExceptionCase.objects.filter(dedup_key=dedup_key, status__in=OPEN_STATUSES).update(
                occurrence_count=F("occurrence_count") + 1, last_seen=now)
            return _repeated(dedup_key)
        tally_opened(cases=[case])
        audit_record(action="exception.raised", actor_label="finsync", obj=case, legal_entity=legal_entity,
                     after={"kind": kind, "severity": severity, "message": message}, correlation_id=correlation_id)
        announce_on_commit(case, event="raised", previous_status=None)
    return case


def _repeated(dedup_key: str) -> ExceptionCase:
    """The open case that just counted one more occurrence, announced as repeated."""
    case = ExceptionCase.objects.get(dedup_key=dedup_key, status__in=OPEN_STATUSES)
    announce_on_commit(case, event="repeated", previous_status=case.status)
    return case


def _transition(case: ExceptionCase, new_status: str) -> None:
    if new_status not in TRANSITIONS[case.status]:
        raise DomainError(f"An exception that is {case.get_status_display().lower()} cannot become "
                          f"{Status(new_status).label.lower()}.", code="invalid_transition")


def exception_authorise(*, case: ExceptionCase, actor, capability: str = Capability.RESOLVE) -> None:
    """Refuse an actor who lacks the capability, or whose legal entities do not include the case's
    (auditors see cases but cannot act; nobody acts on another entity's case)."""
    if not can(actor, capability):
        raise PermissionDenied("Your role does not allow acting on exceptions.", code="forbidden")
    if not exception_in_scope(user=actor, case=case):
        raise PermissionDenied("This exception belongs to a legal entity you do not work for.", code="out_of_scope")


def _snapshot(case: ExceptionCase) -> dict:
    return {"status": case.status, "owner": case.owner_id, "resolution_code": case.resolution_code}


@transaction.atomic
def exception_resolve(*, case: ExceptionCase, reason_code: str, note: str, actor, ip_address=None) -> ExceptionCase:
    if reason_code not in ResolutionCode.values:
        raise DomainError(f"{reason_code!r} is not a resolution reason", code="invalid_reason")
    if reason_code == ResolutionCode.OTHER and not note.strip():
        raise DomainError("Say what was done when the reason is 'Other'.", code="note_required")
    exception_authorise(case=case, actor=actor)
    case = ExceptionCase.objects.select_for_update().get(pk=case.pk)
    _transition(case, Status.RESOLVED)
    before = _snapshot(case)
    case.status, case.resolved_at, case.resolved_by = Status.RESOLVED, timezone.now(), actor
    case.resolution_code, case.resolution_note = reason_code, note
    case.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_code", "resolution_note",
                             "updated_at"])
    tally_closed(cases=[case])
    audit_record(action="exception.resolved", actor=actor, obj=case, legal_entity=case.legal_entity,
                 before=before, after=_snapshot(case), reason=note, ip_address=ip_address,
                 correlation_id=case.correlation_id)
    announce_on_commit(case, event="resolved", previous_status=before["status"])
    return case


@transaction.atomic
def exception_ignore(*, case: ExceptionCase, justification: str, actor, ip_address=None) -> ExceptionCase:
    if len(justification.strip()) < 10:
        raise DomainError("Ignoring an exception needs a justification (at least 10 characters).",
                          code="justification_required")
    exception_authorise(case=case, actor=actor)
    case = ExceptionCase.objects.select_for_update().get(pk=case.pk)
    _transition(case, Status.IGNORED)
    before = _snapshot(case)
    case.status, case.resolved_at, case.resolved_by = Status.IGNORED, timezone.now(), actor
    case.resolution_code, case.resolution_note = ResolutionCode.ACCEPTED_RISK, justification
    case.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_code", "resolution_note",
                             "updated_at"])
    tally_closed(cases=[case])
    audit_record(action="exception.ignored", actor=actor, obj=case, legal_entity=case.legal_entity,
                 before=before, after=_snapshot(case), reason=justification, ip_address=ip_address)
    announce_on_commit(case, event="ignored", previous_status=before["status"])
    return case


@transaction.atomic
def exception_assign(*, case: ExceptionCase, owner, actor, ip_address=None) -> ExceptionCase:
    exception_authorise(case=case, actor=actor)
    if not (can(owner, Capability.RESOLVE) and exception_in_scope(user=owner, case=case)):
        raise DomainError(f"{owner.get_username()} cannot work on this exception (role or legal entity).",
                          code="owner_not_eligible")
    case = ExceptionCase.objects.select_for_update().get(pk=case.pk)
    _transition(case, Status.ASSIGNED)
    before = _snapshot(case)
    case.owner, case.status = owner, Status.ASSIGNED
    case.save(update_fields=["owner", "status", "updated_at"])
    audit_record(action="exception.assigned", actor=actor, obj=case, legal_entity=case.legal_entity,
                 before=before, after=_snapshot(case), ip_address=ip_address)
    announce_on_commit(case, event="changed", previous_status=before["status"])
    return case


def exception_claim(*, case: ExceptionCase, actor, ip_address=None) -> ExceptionCase:
    """Take an unowned open case. No check-then-act: the conditional update decides who wins."""
    exception_authorise(case=case, actor=actor)
    with transaction.atomic():
        won = ExceptionCase.objects.filter(pk=case.pk, owner__isnull=True, status=Status.OPEN).update(
            owner=actor, status=Status.ASSIGNED, updated_at=timezone.now())
        if not won:
            raise DomainError("Someone else already owns this exception, or it is no longer open.",
                              code="already_claimed")
        case.refresh_from_db()
        audit_record(action="exception.claimed", actor=actor, obj=case, legal_entity=case.legal_entity,
                     after=_snapshot(case), ip_address=ip_address)
        announce_on_commit(case, event="changed", previous_status=Status.OPEN)
    return case


def exceptions_auto_resolve(*, cases, note: str) -> int:
    """Close open cases whose cause has gone away (an SLA met again), each audited as automatic. Call
    inside a transaction; cases no longer open are left alone."""
    now = timezone.now()
    closed = []
    for case in ExceptionCase.objects.select_for_update().filter(pk__in=[c.pk for c in cases],
                                                                 status__in=OPEN_STATUSES):
        before = _snapshot(case)
        case.status, case.resolved_at, case.resolution_code = Status.RESOLVED, now, ResolutionCode.AUTO_RESOLVED
        case.resolution_note = note
        case.save(update_fields=["status", "resolved_at", "resolution_code", "resolution_note", "updated_at"])
        audit_record(action="exception.auto_resolved", actor_label="finsync", obj=case,
                     legal_entity=case.legal_entity, before=before, after=_snapshot(case), reason=note)
        announce_on_commit(case, event="resolved", previous_status=before["status"])
        closed.append(case)
    tally_closed(cases=closed)
    return len(closed)


def exceptions_auto_resolve_for_record(*, record, note: str = "a later attempt succeeded") -> int:
    """Close every open case of a record once it has been delivered (called inside the delivery transaction)."""
    return exceptions_auto_resolve_for_records(record_ids=[record.pk], note=note)


def exceptions_auto_resolve_for_records(*, record_ids: list[int], note: str = "a later attempt succeeded") -> int:
    """The same for a chunk of delivered records: one query finds their open cases (usually none)."""
    cases = list(ExceptionCase.objects.select_for_update().filter(sync_record_id__in=record_ids,
                                                                  status__in=OPEN_STATUSES).order_by("pk"))
    now = timezone.now()
    for case in cases:
        before = _snapshot(case)
        case.status, case.resolved_at, case.resolution_code = Status.RESOLVED, now, ResolutionCode.AUTO_RESOLVED
        case.resolution_note = note
        case.save(update_fields=["status", "resolved_at", "resolution_code", "resolution_note", "updated_at"])
        audit_record(action="exception.auto_resolved", actor_label="finsync", obj=case,
                     legal_entity=case.legal_entity, before=before, after=_snapshot(case),
                     correlation_id=case.correlation_id)
        announce_on_commit(case, event="resolved", previous_status=before["status"])
    tally_closed(cases=cases)
    return len(cases)


def exceptions_open_many(*, kind: str, cause: str, cases: list[dict]) -> list[ExceptionCase]:
    """Open many cases of one kind at once: one multi-row insert, one audit event per legal entity, and the
    usual live announcement per case. Each dict names ``subject``, ``message`` and optionally ``reference``,
    ``details`` and the dimension ids (``legal_entity_id``, ``bank_account_id``, ``period_id`` …).

    A subject that already has an open case is skipped, not counted again (``exception_raise`` counts
    occurrences; callers of this function look for what has no case yet): the partial unique index on
    ``dedup_key`` decides, so two runs at once cannot open the same case twice. Returns the new cases in the
    order given.
    """
    info = KINDS.get(kind)
    if info is None:
        raise DomainError(f"unknown exception kind {kind!r}", code="unknown_kind")
    if not cases:
        return []
    now = timezone.now()
    dimensions = ("legal_entity_id", "bank_account_id", "supplier_id", "payment_batch_id", "period_id",
                  "source_system_id")
    fingerprint = fingerprint_for(kind=kind, source_system_id=None, record_type="", cause=cause)
    rows = [ExceptionCase(
        kind=kind, severity=info.severity, title=info.label[:200], message=c["message"], details=c.get("details") or {},
        reference=c.get("reference", "")[:200], fingerprint=fingerprint, dedup_key=_digest(kind, c["subject"]),
        first_seen=now, last_seen=now, sla_due_at=now + SLA_BY_SEVERITY[info.severity],
        **{name: c.get(name) for name in dimensions}) for c in cases]
    order = {row.dedup_key: n for n, row in enumerate(rows)}
    with transaction.atomic():
        ExceptionCase.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        created = sorted(ExceptionCase.objects.filter(dedup_key__in=list(order), status__in=OPEN_STATUSES,
                                                      first_seen=now), key=lambda case: order[case.dedup_key])
        tally_opened(cases=created)
        by_entity: dict[int | None, list[int]] = {}
        for case in created:
            by_entity.setdefault(case.legal_entity_id, []).append(case.pk)
            announce_on_commit(case, event="raised", previous_status=None)
        entities = LegalEntity.objects.in_bulk([e for e in by_entity if e is not None])
        for entity_id, ids in by_entity.items():
            audit_record(action="exception.raised", actor_label="finsync", legal_entity=entities.get(entity_id),
                         after={"kind": kind, "severity": info.severity, "count": len(ids), "cases": ids[:1000]})
    return created
