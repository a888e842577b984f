"""Raising and acting on exceptions: dedup, fingerprints, transitions, claims, audit, scoping."""

import pytest

from apps.audit.models import AuditEvent
from apps.common.errors import DomainError
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_get
from apps.exceptions.services import (
    exception_assign,
    exception_claim,
    exception_ignore,
    exception_raise,
    exception_resolve,
)

pytestmark = pytest.mark.django_db


def _raise(entity, reference="INV-1", message="Invoice INV-1 for 100.00 EUR already exists", **kw):
    return exception_raise(kind="invoice.duplicate", message=message, reference=reference, legal_entity=entity,
                           record_type="invoice", **kw)


def test_a_repeat_of_the_same_problem_counts_instead_of_opening_a_second_case(entity_de):
    first = _raise(entity_de)
    again = _raise(entity_de)

    assert first.pk == again.pk
    assert ExceptionCase.objects.count() == 1
    assert again.occurrence_count == 2
    assert again.last_seen >= first.last_seen
    assert (again.severity, again.status, again.title) == ("high", "open", "Possible duplicate invoice")
    assert again.sla_due_at is not None


def test_identical_failures_on_different_subjects_share_a_fingerprint(entity_de):
    a = _raise(entity_de, reference="INV-1", message="Invoice INV-1 for 100.00 EUR already exists")
    b = _raise(entity_de, reference="INV-2", message="Invoice INV-2 for 250.10 EUR already exists")
    other = exception_raise(kind="invoice.match", message="Quantity differs", reference="INV-1",
                            legal_entity=entity_de, record_type="invoice")

    assert a.pk != b.pk
    assert a.fingerprint == b.fingerprint != other.fingerprint


def test_resolve_needs_a_reason_and_is_audited(entity_de, controller):
    case = _raise(entity_de)
    with pytest.raises(DomainError, match="Say what was done"):
        exception_resolve(case=case, reason_code="other", note=" ", actor=controller)

    resolved = exception_resolve(case=case, reason_code="duplicate_confirmed", note="same as INV-0001",
                                 actor=controller, ip_address="10.1.2.3")

    assert (resolved.status, resolved.resolved_by, resolved.resolution_code) == (
        "resolved", controller, "duplicate_confirmed")
    event = AuditEvent.objects.get(action="exception.resolved")
    assert (event.actor, event.reason, event.ip_address) == (controller, "same as INV-0001", "10.1.2.3")
    assert event.before["status"] == "open"
    assert event.after["status"] == "resolved"


def test_a_resolved_problem_that_happens_again_opens_a_new_case(entity_de, controller):
    case = _raise(entity_de)
    exception_resolve(case=case, reason_code="fixed_at_source", note="", actor=controller)

    again = _raise(entity_de)

    assert again.pk != case.pk
    assert again.occurrence_count == 1


def test_ignore_needs_a_justification(entity_de, controller):
    case = _raise(entity_de)
    with pytest.raises(DomainError, match="justification"):
        exception_ignore(case=case, justification="meh", actor=controller)
    assert exception_ignore(case=case, justification="Known test supplier, no payment", actor=controller).status \
        == "ignored"
    with pytest.raises(DomainError, match="cannot become"):
        exception_resolve(case=case, reason_code="fixed_at_source", note="", actor=controller)


def test_claim_is_first_come_first_served(entity_de, controller, treasury_operator):
    case = _raise(entity_de)
    exception_claim(case=case, actor=controller)

    with pytest.raises(DomainError, match="already owns"):
        exception_claim(case=case, actor=treasury_operator)

    case.refresh_from_db()
    assert (case.owner, case.status) == (controller, "assigned")
    reassigned = exception_assign(case=case, owner=treasury_operator, actor=controller)
    assert reassigned.owner == treasury_operator


def test_cases_of_other_entities_do_not_exist_for_a_user(entity_de, entity_us, controller, outsider):
    case = _raise(entity_de)
    assert exception_get(user=controller, pk=case.pk) == case
    with pytest.raises(ExceptionCase.DoesNotExist):
        exception_get(user=outsider, pk=case.pk)


def test_unknown_kind_is_refused(entity_de):
    with pytest.raises(DomainError, match="unknown exception kind"):
        exception_raise(kind="made.up", message="x", legal_entity=entity_de)
