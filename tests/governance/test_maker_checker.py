"""Maker-checker on governed versions (MappingVersion is the first governed model)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.governance.choices import VersionStatus
from apps.governance.selectors import version_in_effect, versions_awaiting_review
from apps.governance.services import (
    version_approve,
    version_number_next,
    version_propose,
    version_reject,
    version_withdraw,
)
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.models import SourceSystem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SPEC = {"fields": {"number": "$.number"}}


@pytest.fixture
def mapping():
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    return Mapping.objects.create(source_system=system, object_type="invoice", canonical_type="supplier_invoice")


@pytest.fixture
def integration_admin(entity_de):
    return user_create(username="ida", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


def _draft(mapping, **over) -> MappingVersion:
    return MappingVersion.objects.create(mapping=mapping, number=version_number_next(MappingVersion, mapping),
                                         spec=SPEC, **over)


def test_a_proposal_by_one_person_is_approved_by_another_and_audited(mapping, integration_admin, controller):
    draft = _draft(mapping)

    proposed = version_propose(version=draft, actor=integration_admin, note="Map the invoice number")
    approved = version_approve(version=proposed, actor=controller, note="Checked against three samples")

    approved.refresh_from_db()
    assert (approved.status, approved.proposed_by, approved.reviewed_by) == (
        VersionStatus.APPROVED, integration_admin, controller)
    assert approved.effective_from == approved.reviewed_at  # no date given: runs from approval
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "reason"))
    assert actions == [("mappings.mappingversion.proposed", "ida", "Map the invoice number"),
                       ("mappings.mappingversion.approved", "clara", "Checked against three samples")]
    assert AuditEvent.objects.get(action="mappings.mappingversion.approved").after == {
        "spec": SPEC, "schema_version": "v1"}


def test_the_proposer_can_never_approve_their_own_change(mapping, controller):
    version = version_propose(version=_draft(mapping), actor=controller, note="Change the crosswalk")

    with pytest.raises(PermissionDenied) as refused:
        version_approve(version=version, actor=controller)

    assert refused.value.code == "four_eyes"
    version.refresh_from_db()
    assert (version.status, version.reviewed_by) == (VersionStatus.PROPOSED, None)
    assert not AuditEvent.objects.filter(action="mappings.mappingversion.approved").exists()


def test_nor_reject_it(mapping, controller):
    version = version_propose(version=_draft(mapping), actor=controller, note="Change")

    with pytest.raises(PermissionDenied):
        version_reject(version=version, actor=controller, note="no")

    version.refresh_from_db()
    assert version.status == VersionStatus.PROPOSED


def test_the_database_refuses_one_person_on_both_sides(mapping, controller):
    with pytest.raises(IntegrityError), transaction.atomic():
        _draft(mapping, status=VersionStatus.APPROVED, proposed_by=controller, reviewed_by=controller)


def test_the_database_refuses_an_approved_version_without_approver(mapping, controller):
    with pytest.raises(IntegrityError), transaction.atomic():
        _draft(mapping, status=VersionStatus.APPROVED, proposed_by=controller)


def test_a_role_without_the_capability_cannot_approve(mapping, controller, auditor):
    version = version_propose(version=_draft(mapping), actor=controller, note="Change")

    with pytest.raises(PermissionDenied) as refused:
        version_approve(version=version, actor=auditor)

    assert refused.value.code == "forbidden"
    version.refresh_from_db()
    assert version.status == VersionStatus.PROPOSED


def test_a_role_without_the_capability_cannot_propose(mapping, treasury_operator):
    draft = _draft(mapping)

    with pytest.raises(PermissionDenied):
        version_propose(version=draft, actor=treasury_operator, note="Change")

    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_proposal_needs_a_reason(mapping, controller):
    draft = _draft(mapping)

    with pytest.raises(DomainError) as refused:
        version_propose(version=draft, actor=controller, note="  ")

    assert refused.value.code == "note_required"
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_rejection_needs_a_reason_and_is_final(mapping, integration_admin, controller):
    version = version_propose(version=_draft(mapping), actor=integration_admin, note="Change")
    with pytest.raises(DomainError):
        version_reject(version=version, actor=controller, note="")

    rejected = version_reject(version=version, actor=controller, note="Wrong GL account for freight")

    assert (rejected.status, rejected.review_note) == (VersionStatus.REJECTED, "Wrong GL account for freight")
    with pytest.raises(DomainError) as refused:
        version_approve(version=rejected, actor=controller)
    assert refused.value.code == "invalid_transition"


def test_only_the_proposer_withdraws(mapping, integration_admin, controller):
    version = version_propose(version=_draft(mapping), actor=integration_admin, note="Change")
    with pytest.raises(PermissionDenied):
        version_withdraw(version=version, actor=controller)

    back = version_withdraw(version=version, actor=integration_admin)

    assert back.status == VersionStatus.DRAFT


def test_the_latest_started_approved_version_is_in_effect(mapping, integration_admin, controller):
    now = timezone.now()
    first = version_approve(version=version_propose(version=_draft(mapping), actor=integration_admin, note="v1"),
                            actor=controller)
    future = _draft(mapping, effective_from=now + timedelta(days=3))
    version_approve(version=version_propose(version=future, actor=integration_admin, note="v2 from Monday"),
                    actor=controller)
    pending = version_propose(version=_draft(mapping), actor=integration_admin, note="v3")

    versions = MappingVersion.objects.filter(mapping=mapping)
    assert version_in_effect(versions) == first
    assert version_in_effect(versions, at=now + timedelta(days=4)) == future
    assert list(versions_awaiting_review(versions, user=controller)) == [pending]
    assert list(versions_awaiting_review(versions, user=integration_admin)) == []
