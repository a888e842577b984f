"""Maker-checker for governed versions: propose, withdraw, approve, reject.

There is deliberately no one-person "retire": what runs changes only through another approved version.

Every function is keyword-only, checks the actor's capability and segregation of duties here (the database
backs the latter with a CheckConstraint), moves the version along the allowed transitions, and writes the
audit row in the same transaction. Creating and editing drafts is the owning app's business; it calls
`version_number_next` and `version_ensure_editable`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.access.selectors import can
from apps.audit.selectors import audit_actor_ids
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied

from .choices import TRANSITIONS, VersionStatus
from .models import GovernedVersion
from .selectors import version_in_effect


def _require(actor, capability: str, what: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(f"You are not allowed to {what}.", code="forbidden")


def _move(version: GovernedVersion, new_status: str) -> None:
    if new_status not in TRANSITIONS[version.status]:
        raise DomainError(f"A {version.get_status_display().lower()} version cannot become "
                          f"{VersionStatus(new_status).label.lower()}.", code="invalid_transition")


def _locked(version: GovernedVersion) -> GovernedVersion:
    return type(version).objects.select_for_update().get(pk=version.pk)


def _siblings(version: GovernedVersion):
    model = type(version)
    if not model.governed_parent_field:
        return model.objects.all()
    return model.objects.filter(**{f"{model.governed_parent_field}_id": getattr(
        version, f"{model.governed_parent_field}_id")})


def _entity(version: GovernedVersion):
    return getattr(version, "legal_entity", None) or getattr(version.governed_parent(), "legal_entity", None)


def version_number_next(model: type[GovernedVersion], parent=None) -> int:
    """The next version number within a parent (callers hold the parent's row lock when it matters;
    the (parent, number) unique constraint refuses a race)."""
    qs = model.objects.filter(**{model.governed_parent_field: parent}) if model.governed_parent_field \
        else model.objects.all()
    return (qs.aggregate(m=Max("number"))["m"] or 0) + 1


def version_ensure_editable(version: GovernedVersion) -> None:
    if not version.is_editable:
        raise DomainError("Only a draft can be edited; propose a new version instead.", code="not_editable")


@transaction.atomic
def version_propose(*, version: GovernedVersion, actor, note: str = "", ip_address: str | None = None):
    """Send a draft for review by someone else."""
    model = type(version)
    _require(actor, model.propose_capability or model.approve_capability, "propose this change")
    version = _locked(version)
    _move(version, VersionStatus.PROPOSED)
    version.status, version.proposed_by, version.proposed_at = VersionStatus.PROPOSED, actor, timezone.now()
    if note.strip():
        version.change_note = note.strip()
    if not version.change_note:
        raise DomainError("Say why this change is needed; the approver and the auditors read it.",
                          code="note_required")
    version.save()
    audit_record(action=f"{model._meta.label_lower}.proposed", actor=actor, obj=version,
                 legal_entity=_entity(version), after=version.content_snapshot(), reason=version.change_note,
                 ip_address=ip_address)
    return version


@transaction.atomic
def version_withdraw(*, version: GovernedVersion, actor, ip_address: str | None = None):
    """The proposer takes a proposal back to draft (e.g. to correct it)."""
    version = _locked(version)
    if version.proposed_by_id != getattr(actor, "pk", None):
        raise PermissionDenied("Only the person who proposed this version can withdraw it.", code="not_proposer")
    _move(version, VersionStatus.DRAFT)
    version.status, version.proposed_at = VersionStatus.DRAFT, None
    version.save()
    audit_record(action=f"{type(version)._meta.label_lower}.withdrawn", actor=actor, obj=version,
                 legal_entity=_entity(version), ip_address=ip_address)
    return version


def version_author_ids(version: GovernedVersion) -> set[int]:
    """Everyone who wrote this version: its proposer, and whoever drafted or edited it (as the audit trail says).
    A draft edited by one person and proposed by another has two makers; neither may review it."""
    label = type(version)._meta.label_lower
    ids = audit_actor_ids(obj=version, actions=[f"{label}.drafted", f"{label}.edited", f"{label}.proposed"])
    return ids | ({version.proposed_by_id} if version.proposed_by_id is not None else set())


def _review(version: GovernedVersion, actor, verb: str) -> GovernedVersion:
    _require(actor, type(version).approve_capability, f"{verb} this change")
    version = _locked(version)
    if version.proposed_by_id is not None and version.proposed_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(f"You proposed this version, so someone else must {verb} it "
                               "(segregation of duties).", code="four_eyes")
    if getattr(actor, "pk", None) in version_author_ids(version):
        raise PermissionDenied(f"You drafted or edited this version, so someone else must {verb} it "
                               "(segregation of duties).", code="four_eyes")
    return version


@transaction.atomic
def version_approve(*, version: GovernedVersion, actor, note: str = "", ip_address: str | None = None):
    """Approve a proposal made by someone else. It runs from its effective date (from now if none)."""
    version = _review(version, actor, "approve")
    _move(version, VersionStatus.APPROVED)
    now = timezone.now()
    previous = version_in_effect(_siblings(version).exclude(pk=version.pk), at=version.effective_from or now)
    version.status, version.reviewed_by, version.reviewed_at = VersionStatus.APPROVED, actor, now
    version.review_note = note.strip()
    version.effective_from = version.effective_from or now
    version.save()
    audit_record(action=f"{type(version)._meta.label_lower}.approved", actor=actor, obj=version,
                 legal_entity=_entity(version),
                 before=previous.content_snapshot() if previous is not None else None,
                 after=version.content_snapshot(), reason=version.review_note, ip_address=ip_address)
    return version


@transaction.atomic
def version_reject(*, version: GovernedVersion, actor, note: str, ip_address: str | None = None):
    """Refuse a proposal made by someone else, saying why."""
    if not note.strip():
        raise DomainError("Say why the proposal is rejected; the proposer reads it.", code="note_required")
    version = _review(version, actor, "reject")
    _move(version, VersionStatus.REJECTED)
    version.status, version.reviewed_by, version.reviewed_at = VersionStatus.REJECTED, actor, timezone.now()
    version.review_note = note.strip()
    version.save()
    audit_record(action=f"{type(version)._meta.label_lower}.rejected", actor=actor, obj=version,
                 legal_entity=_entity(version), after=version.content_snapshot(), reason=version.review_note,
                 ip_address=ip_address)
    return version
