"""Workbench actions that go beyond one exception row: replaying a case's record, correcting its payload
under four-eyes, and saved views. Resolve/ignore/assign/claim live in apps.exceptions.services."""

from __future__ import annotations

import json

from django.db import IntegrityError, transaction

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_authorise
from apps.governance.choices import VersionStatus
from apps.governance.services import version_approve, version_number_next, version_propose, version_reject
from apps.sync.choices import RecordStatus
from apps.sync.models import SyncRecord
from apps.sync.services import ReplayPlan, record_replay

from .models import PayloadEdit, SavedView

VERSION_CHOICES = [("original", "The mapping version first used"), ("current", "The current approved version")]
MAX_PAYLOAD_CHARS = 200_000


def _record_of(case: ExceptionCase) -> SyncRecord:
    if case.sync_record_id is None:
        raise DomainError("This exception has no record to replay; resolve it once the cause is fixed.",
                          code="no_record")
    return case.sync_record


def _check_version_choice(version_choice: str) -> None:
    if version_choice not in dict(VERSION_CHOICES):
        raise DomainError("Choose the original or the current mapping version.", code="invalid_version_choice")


def case_replay(*, case: ExceptionCase, actor, version_choice: str = "current", dry_run: bool = False,
                reason: str = "", ip_address: str | None = None) -> ReplayPlan:
    """Replay the record behind a case (or, with dry_run, say what a replay would do). The case closes
    by itself when the new attempt succeeds (exceptions_auto_resolve_for_record)."""
    exception_authorise(case=case, actor=actor, capability=Capability.REPLAY)
    _check_version_choice(version_choice)
    return record_replay(record=_record_of(case), actor=actor, version_choice=version_choice, dry_run=dry_run,
                         reason=reason, ip_address=ip_address)


def _parse_payload(text: str) -> dict:
    if len(text) > MAX_PAYLOAD_CHARS:
        raise DomainError(f"The payload is longer than {MAX_PAYLOAD_CHARS:,} characters.", code="payload_too_large")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(f"The payload is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
                          code="invalid_json") from exc
    if not isinstance(payload, dict):
        raise DomainError("The payload must be a JSON object ({…}).", code="invalid_json")
    return payload


@transaction.atomic
def payload_edit_propose(*, case: ExceptionCase, payload_text: str, note: str, actor,
                         version_choice: str = "current", ip_address: str | None = None) -> PayloadEdit:
    """Propose a corrected payload for the case's record. Nothing replays until another person approves."""
    exception_authorise(case=case, actor=actor, capability=Capability.REPLAY)
    _check_version_choice(version_choice)
    record = SyncRecord.objects.select_for_update().get(pk=_record_of(case).pk)
    if record.status == RecordStatus.DELIVERED:
        raise DomainError("This record was delivered already; there is nothing to correct.", code="already_delivered")
    payload = _parse_payload(payload_text)
    if payload == record.effective_payload:
        raise DomainError("The payload is unchanged; edit it before proposing.", code="unchanged")
    if PayloadEdit.objects.filter(record=record, status=VersionStatus.PROPOSED).exists():
        raise DomainError("An edit of this record is already waiting for approval; approve or reject it first.",
                          code="edit_pending")
    edit = PayloadEdit.objects.create(
        record=record, case=case, legal_entity=record.legal_entity, number=version_number_next(PayloadEdit, record),
        payload_before=record.effective_payload, payload=payload, version_choice=version_choice)
    return version_propose(version=edit, actor=actor, note=note, ip_address=ip_address)


def _edit_authorise(edit: PayloadEdit, actor) -> None:
    if edit.case is not None:
        exception_authorise(case=edit.case, actor=actor, capability=Capability.REPLAY)
    elif not can(actor, Capability.REPLAY):
        raise PermissionDenied("Your role does not allow replaying records.", code="forbidden")


@transaction.atomic
def payload_edit_approve(*, edit: PayloadEdit, actor, note: str = "", ip_address: str | None = None) -> ReplayPlan:
    """A second person approves a proposed edit: it becomes the record's payload for replay and the record
    replays at once. The original payload stays on the record; every edit stays in PayloadEdit."""
    _edit_authorise(edit, actor)
    edit = version_approve(version=edit, actor=actor, note=note, ip_address=ip_address)
    SyncRecord.objects.filter(pk=edit.record_id).update(edited_payload=edit.payload)
    record = SyncRecord.objects.select_related("connector__system", "legal_entity").get(pk=edit.record_id)
    return record_replay(record=record, actor=actor, version_choice=edit.version_choice,
                         reason=f"payload edit {edit.number} approved", ip_address=ip_address)


def payload_edit_reject(*, edit: PayloadEdit, actor, note: str, ip_address: str | None = None) -> PayloadEdit:
    _edit_authorise(edit, actor)
    return version_reject(version=edit, actor=actor, note=note, ip_address=ip_address)


def saved_view_create(*, owner, name: str, query: str, shared: bool = False,
                      ip_address: str | None = None) -> SavedView:
    """Save the current filters under a name; saving again under the same name replaces the filters."""
    if not can(owner, Capability.VIEW):
        raise PermissionDenied("Your account has no role that may view exceptions.", code="forbidden")
    name = name.strip()
    if not name:
        raise DomainError("Give the view a name.", code="name_required")
    if len(name) > 80 or len(query) > 2000:
        raise DomainError("The name or the filters are too long to save.", code="too_long")
    try:
        with transaction.atomic():
            view, created = SavedView.objects.update_or_create(owner=owner, name=name,
                                                               defaults={"query": query, "shared": shared})
            audit_record(action="saved_view.saved", actor=owner, obj=view, ip_address=ip_address,
                         after={"name": name, "query": query, "shared": shared, "replaced": not created})
    except IntegrityError as exc:  # two saves of the same name at once: the other one won
        raise DomainError("A view with this name was just saved; try again.", code="conflict") from exc
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor, ip_address: str | None = None) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the person who saved a view can delete it.", code="not_owner")
    audit_record(action="saved_view.deleted", actor=actor, obj=view, ip_address=ip_address,
                 before={"name": view.name, "query": view.query, "shared": view.shared})
    view.delete()
