"""SLA definitions: maker-checker proposals, and evaluation into sla.breach exceptions that close
themselves when the target is met again."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.banking.models import BankStatement, CompanyBankAccount
from apps.common.errors import DomainError, PermissionDenied
from apps.connectors.models import ConnectorRun
from apps.exceptions.models import ExceptionCase
from apps.governance.choices import VersionStatus
from apps.masterdata.models import Bank
from apps.sla.evaluation import sla_evaluate
from apps.sla.models import FlowDailyStats, SlaCheck, SlaDefinition, SlaVersion
from apps.sla.rollup import flow_stats_refresh
from apps.sla.services import SlaTerms, sla_approve, sla_propose, sla_reject
from apps.sync.choices import RecordStatus

TERMS = SlaTerms(target_seconds=600, warning_seconds=300, compliance_pct=Decimal("90"))


def _approved(flow, entity, terms, proposer, approver, at=None):
    version = sla_propose(flow=flow, legal_entity=entity, terms=terms, change_note="agreed with AP team",
                          actor=proposer, effective_from=at)
    return sla_approve(version=version, actor=approver)


@pytest.mark.django_db
def test_one_admin_proposes_another_approves_and_it_is_audited(integration_admin, second_admin, entity_de):
    version = sla_propose(flow="invoice_sync", legal_entity=entity_de, terms=TERMS, change_note="AP wants 10 min",
                          actor=integration_admin)
    assert (version.status, version.number) == (VersionStatus.PROPOSED, 1)

    approved = sla_approve(version=version, actor=second_admin, note="fine")

    assert approved.status == VersionStatus.APPROVED
    assert approved.reviewed_by == second_admin
    assert approved.effective_from is not None
    events = AuditEvent.objects.filter(object_type="sla.SlaVersion", object_id=str(version.pk)).order_by("id")
    assert list(events.values_list("action", flat=True)) == ["sla.slaversion.proposed", "sla.slaversion.approved"]


@pytest.mark.django_db
def test_the_proposer_cannot_approve_and_nothing_changes(integration_admin, entity_de):
    version = sla_propose(flow="invoice_sync", legal_entity=entity_de, terms=TERMS, change_note="x",
                          actor=integration_admin)

    with pytest.raises(PermissionDenied):
        sla_approve(version=version, actor=integration_admin)

    version.refresh_from_db()
    assert (version.status, version.reviewed_by) == (VersionStatus.PROPOSED, None)


@pytest.mark.django_db
def test_roles_without_configure_cannot_propose_or_approve(controller, auditor, integration_admin, entity_de):
    with pytest.raises(PermissionDenied):
        sla_propose(flow="invoice_sync", legal_entity=entity_de, terms=TERMS, change_note="x", actor=controller)
    assert not SlaDefinition.objects.exists()
    assert not SlaVersion.objects.exists()
    version = sla_propose(flow="invoice_sync", legal_entity=entity_de, terms=TERMS, change_note="x",
                          actor=integration_admin)
    with pytest.raises(PermissionDenied):
        sla_approve(version=version, actor=auditor)
    version.refresh_from_db()
    assert version.status == VersionStatus.PROPOSED


@pytest.mark.django_db
def test_an_entity_outside_scope_is_not_found(integration_admin, entity_de, entity_us, outsider):
    from tests.conftest import _persona

    admin_de = _persona("dora", "integration_admin", [entity_de])
    with pytest.raises(DomainError) as refused:
        sla_propose(flow="invoice_sync", legal_entity=entity_us, terms=TERMS, change_note="x", actor=admin_de)
    assert refused.value.code == "not_found"
    version = sla_propose(flow="invoice_sync", legal_entity=entity_us, terms=TERMS, change_note="x",
                          actor=integration_admin)
    with pytest.raises(DomainError) as hidden:
        sla_approve(version=version, actor=admin_de)
    assert hidden.value.code == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(("terms", "flow", "message"), [
    (SlaTerms(target_seconds=60, warning_seconds=120), "invoice_sync", "warning threshold"),
    (SlaTerms(target_seconds=60, warning_seconds=30, statement_due_local=time(8)), "invoice_sync", "statement"),
    (SlaTerms(target_seconds=60, warning_seconds=30, poll_max_gap_minutes=30), "invoice_sync", "both"),
    (SlaTerms(target_seconds=60, warning_seconds=30, compliance_pct=Decimal(101)), "invoice_sync", "0 and 100"),
])
def test_bad_terms_are_refused_with_a_reason(integration_admin, entity_de, terms, flow, message):
    with pytest.raises(DomainError) as refused:
        sla_propose(flow=flow, legal_entity=entity_de, terms=terms, change_note="x", actor=integration_admin)
    assert message in refused.value.message
    assert not SlaVersion.objects.exists()


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_keeps_the_version_out_of_effect(integration_admin, second_admin, entity_de):
    version = sla_propose(flow="invoice_sync", legal_entity=entity_de, terms=TERMS, change_note="x",
                          actor=integration_admin)
    with pytest.raises(DomainError):
        sla_reject(version=version, actor=second_admin, note=" ")
    sla_reject(version=version, actor=second_admin, note="10 min is not realistic for Coupa")
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED
    assert sla_evaluate() == {"auto_resolved": 0}


@pytest.mark.django_db
def test_latency_breach_raises_an_exception_and_closes_when_met_again(integration_admin, second_admin, entity_de,
                                                                     coupa, make_record):
    # given an approved 10-minute target for invoice sync in DE, and three of four records late
    _approved("invoice_sync", entity_de, TERMS, integration_admin, second_admin)
    now = datetime.now(UTC)
    for minutes in (1, 30, 40, 50):
        make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=now - timedelta(minutes=55),
                    latency=timedelta(minutes=minutes))

    # when evaluated
    tally = sla_evaluate(now=now)

    # then one sla.breach case with the flow as record type and the entity
    case = ExceptionCase.objects.get(kind="sla.breach")
    assert tally["breach"] == 1
    assert (case.record_type, case.legal_entity, case.status) == ("invoice_sync", entity_de, "open")
    assert "25.0% of 4 within 10 min" in case.message
    check = SlaCheck.objects.get()
    assert (check.kind, check.state) == ("latency", "breach")

    # when evaluated again while still breached: the same case counts one more occurrence
    sla_evaluate(now=now)
    case.refresh_from_db()
    assert case.occurrence_count == 2
    assert ExceptionCase.objects.filter(kind="sla.breach").count() == 1

    # when an hour later only fast records arrived: the case closes itself, audited
    later = now + timedelta(minutes=70)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=later - timedelta(minutes=5),
                latency=timedelta(seconds=20))
    tally = sla_evaluate(now=later)
    case.refresh_from_db()
    assert tally["auto_resolved"] == 1
    assert (case.status, case.resolution_code) == ("resolved", "auto_resolved")
    assert AuditEvent.objects.filter(action="exception.auto_resolved", object_id=str(case.pk)).count() == 1
    assert SlaCheck.objects.get().state == "ok"


@pytest.mark.django_db
def test_unfinished_records_past_the_target_count_as_late(integration_admin, second_admin, entity_de, coupa,
                                                          make_record):
    _approved("invoice_sync", entity_de, TERMS, integration_admin, second_admin)
    now = datetime.now(UTC)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=now - timedelta(minutes=20),
                status=RecordStatus.RETRY_WAIT, latency=None)

    sla_evaluate(now=now)

    assert "1 unfinished past the target" in ExceptionCase.objects.get(kind="sla.breach").message


@pytest.mark.django_db
def test_prior_day_statement_by_eight_local_time(integration_admin, second_admin, entity_de):
    # given DE (Europe/Berlin) expects each account's prior-day statement by 08:00 local on business days
    bank = Bank.objects.create(name="Deutsche Bank", bic="DEUTDEFF", country="DE")
    account = CompanyBankAccount.objects.create(legal_entity=entity_de, bank=bank, name="EUR operating",
                                                iban="DE89370400440532013000", currency="EUR")
    terms = SlaTerms(target_seconds=3600, warning_seconds=1800, statement_due_local=time(8, 0))
    _approved("bank_statement", entity_de, terms, integration_admin, second_admin,
              at=datetime(2026, 11, 1, tzinfo=UTC))
    tuesday_0759_berlin = datetime(2026, 11, 24, 6, 59, tzinfo=UTC)  # CET = UTC+1
    tuesday_0801_berlin = datetime(2026, 11, 24, 7, 1, tzinfo=UTC)

    # before the deadline: not due yet, no case
    sla_evaluate(now=tuesday_0759_berlin)
    assert SlaCheck.objects.get(kind="statement").state == "pending"
    assert not ExceptionCase.objects.filter(kind="sla.breach").exists()

    # after it, with Monday's statement missing: a breach on that bank account
    sla_evaluate(now=tuesday_0801_berlin)
    case = ExceptionCase.objects.get(kind="sla.breach")
    assert (case.bank_account, case.legal_entity, case.record_type) == (account, entity_de, "bank_statement")
    assert "2026-11-23 statement" in case.message
    assert "08:00 Europe/Berlin" in case.message

    # Monday's statement arrives: the case closes itself
    BankStatement.objects.create(bank_account=account, legal_entity=entity_de, format="camt.053", currency="EUR",
                                 statement_id="STMT-1123", from_date=date(2026, 11, 23), to_date=date(2026, 11, 23))
    sla_evaluate(now=tuesday_0801_berlin + timedelta(minutes=5))
    case.refresh_from_db()
    assert case.status == "resolved"
    assert SlaCheck.objects.get(kind="statement").state == "ok"


@pytest.mark.django_db
def test_monday_expects_fridays_statement_and_weekends_expect_none(integration_admin, second_admin, entity_de):
    bank = Bank.objects.create(name="Commerzbank", bic="COBADEFF", country="DE")
    account = CompanyBankAccount.objects.create(legal_entity=entity_de, bank=bank, name="EUR payroll",
                                                iban="DE89370400440532013001", currency="EUR")
    BankStatement.objects.create(bank_account=account, legal_entity=entity_de, format="camt.053", currency="EUR",
                                 statement_id="S-FRI", to_date=date(2026, 11, 20))  # a Friday
    terms = SlaTerms(target_seconds=3600, warning_seconds=1800, statement_due_local=time(8, 0))
    _approved("bank_statement", entity_de, terms, integration_admin, second_admin,
              at=datetime(2026, 11, 1, tzinfo=UTC))

    sla_evaluate(now=datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # Sunday
    assert SlaCheck.objects.get(kind="statement").state == "pending"
    sla_evaluate(now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # Monday 10:00 Berlin
    assert SlaCheck.objects.get(kind="statement").state == "ok"
    assert not ExceptionCase.objects.filter(kind="sla.breach").exists()


@pytest.mark.django_db
def test_no_successful_poll_for_thirty_minutes_is_a_breach(integration_admin, second_admin, entity_de, coupa):
    now = datetime.now(UTC)
    terms = SlaTerms(target_seconds=900, warning_seconds=600, poll_connector=coupa, poll_max_gap_minutes=30)
    _approved("invoice_sync", entity_de, terms, integration_admin, second_admin, at=now - timedelta(hours=2))
    ConnectorRun.objects.create(connector=coupa, trigger="schedule", status="succeeded",
                                started_at=now - timedelta(minutes=45), finished_at=now - timedelta(minutes=44))
    ConnectorRun.objects.create(connector=coupa, trigger="schedule", status="failed",
                                started_at=now - timedelta(minutes=10), finished_at=now - timedelta(minutes=10))

    sla_evaluate(now=now)

    case = ExceptionCase.objects.get(kind="sla.breach")
    assert (case.source_system, case.record_type, case.legal_entity) == (coupa.system, "invoice_sync", entity_de)
    assert "has not polled successfully for over 30 minutes" in case.message

    ConnectorRun.objects.create(connector=coupa, trigger="schedule", status="succeeded", started_at=now,
                                finished_at=now + timedelta(seconds=3))
    sla_evaluate(now=now + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.status == "resolved"


@pytest.mark.django_db
def test_rollup_counts_records_within_the_target_in_effect(integration_admin, second_admin, entity_de, entity_us,
                                                           coupa, make_record):
    now = datetime.now(UTC)
    _approved("invoice_sync", entity_de, TERMS, integration_admin, second_admin, at=now - timedelta(days=3))
    received = now - timedelta(hours=1)
    for latency in (timedelta(minutes=2), timedelta(minutes=7), timedelta(minutes=20)):
        make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=received, latency=latency)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_us, received=received)

    flow_stats_refresh(first=received.date(), last=received.date())

    de = FlowDailyStats.objects.get(legal_entity=entity_de)
    assert (de.delivered, de.within_warning, de.within_target, de.target_seconds) == (3, 1, 2, 600)
    assert FlowDailyStats.objects.get(legal_entity=entity_us).within_target is None
