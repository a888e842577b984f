"""Every action a page offers (its POST forms), each with how to stage it for one persona and how to see that it
took effect. tests/security/test_page_action_matrix.py runs them for every role and checks that every route
that accepts POST is listed here (or in READ_ONLY_POSTS / GET_ONLY), so a new form cannot escape the matrix."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.access.roles import Capability as C
from apps.access.roles import Role
from apps.access.services import api_token_create, user_create
from apps.banking.choices import FileChannel
from apps.banking.models import BankFileUpload, BankStatement
from apps.banking.services import statement_import
from apps.connectors.models import Connector
from apps.controls.models import ControlSettingsVersion, SupplierDuplicateDecision
from apps.controls.selectors import control_settings_for
from apps.controls.services import control_settings_propose, terms_with
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise
from apps.governance.choices import VersionStatus
from apps.governance.services import version_propose
from apps.jobs.models import Job
from apps.mappings.models import Mapping, MappingVersion
from apps.mappings.transfer import crosswalks_to_csv, version_to_json
from apps.masterdata.models import SourceSystem, Supplier, SupplierBankAccount
from apps.sla.choices import SlaFlow
from apps.sla.models import SlaVersion
from apps.sla.services import SlaTerms, sla_propose
from apps.sync.models import SyncRecord
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import MatchStatus, PaymentBatch, PaymentInstruction, ReconciliationMatch
from apps.treasury.reconciliation import reconciliation_run
from apps.workbench.models import PayloadEdit, SavedView
from apps.workbench.services import payload_edit_propose
from tests.conftest import PASSWORD
from tests.sync.conftest import JOURNAL_SPEC
from tests.treasury.factories import (
    DEBTOR_IBAN,
    Entry,
    Statement,
    camt053,
    company_account,
    creditor_iban,
    month_periods,
    released_batch,
    supplier,
)

NOBODY = "nobody"  # only the object's own maker may do it (withdraw a proposal, delete another's view)
ANY_ROLE = "any role"  # every role: it acts on the person's own things (tokens, saved views) or only reads


@dataclass
class Staged:
    """One action made ready: where to POST, what, and how to tell that it took effect."""

    url: str
    data: dict
    done: Callable[[], bool]
    audit: str  # the audit action its effect writes
    htmx: bool = False


@dataclass
class Stage:
    """The people and the legal entities of one test: the persona acts, the makers prepared the objects."""

    persona: object
    entity: object
    other_entity: object
    makers: dict = field(default_factory=dict)

    def maker(self, role: str):
        if role not in self.makers:
            self.makers[role] = user_create(username=f"maker-{role}", password=PASSWORD, roles=[role],
                                            entities=[self.entity])
        return self.makers[role]


@dataclass(frozen=True)
class PageAction:
    key: str
    route: str  # the URL name of the page route this action posts to
    capability: str  # a Capability, ANY_ROLE or NOBODY
    stage: Callable[[Stage], Staged]


# --- builders -------------------------------------------------------------------------------------------------

def _connector(stage: Stage) -> Connector:
    system = SourceSystem.objects.get_or_create(code="ops-events", defaults={"name": "Ops events",
                                                                             "kind": "other"})[0]
    return Connector.objects.get_or_create(code="ops-events", defaults={
        "name": "Ops event hook", "system": system, "kind": "webhook", "adapter": "webhook",
        "default_legal_entity": stage.entity})[0]


def _case(stage: Stage, reference: str = "JE-1", **over) -> ExceptionCase:
    connector = _connector(stage)
    record = SyncRecord.objects.create(
        direction="inbound", connector=connector, flow="journal_posting", object_type="journal_entry",
        external_id=reference, payload={"company": stage.entity.code.lower(), "number": reference, "lines": []},
        content_hash=reference, idempotency_key=f"test:{reference}", legal_entity=stage.entity, status="exception",
        last_error="Journal does not balance")
    return exception_raise(kind=over.pop("kind", "journal.unbalanced"), message=f"Journal {reference} is off",
                           reference=reference, legal_entity=stage.entity, record_type="journal_entry",
                           sync_record=record, source_system=connector.system, **over)


def _fresh(model, pk):
    return model.objects.get(pk=pk)


def _case_action(name: str, data: Callable[[Stage, ExceptionCase], dict], done: Callable, audit: str):
    def stage_it(stage: Stage) -> Staged:
        case = _case(stage)
        return Staged(reverse("workbench:action", args=[case.pk, name]), data(stage, case),
                      lambda: done(stage, _fresh(ExceptionCase, case.pk)), audit)
    return stage_it


def _payload_edit(stage: Stage) -> PayloadEdit:
    case = _case(stage)
    return payload_edit_propose(case=case, payload_text=json.dumps({"number": "JE-1", "lines": [1]}),
                                note="Lines were missing", actor=stage.maker(Role.INTEGRATION_ADMIN))


PAST = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn", "propose": "proposed"}


def _edit_review(decision: str):
    def stage_it(stage: Stage) -> Staged:
        edit = _payload_edit(stage)
        return Staged(reverse("workbench:edit-review", args=[edit.case_id, edit.pk]),
                      {"decision": decision, "note": "Checked against the ERP"},
                      lambda: _fresh(PayloadEdit, edit.pk).status == PAST[decision],
                      f"workbench.payloadedit.{PAST[decision]}")
    return stage_it


def _bulk(action: str, data: dict, audit: str = "job.started"):
    def stage_it(stage: Stage) -> Staged:
        case = _case(stage)
        before = Job.objects.count()
        return Staged(reverse("workbench:bulk"), {"action": action, "ids": [case.pk], **data},
                      lambda: Job.objects.count() == before + 1, audit)
    return stage_it


def _saved_view_delete(owner_is_persona: bool):
    def stage_it(stage: Stage) -> Staged:
        owner = stage.persona if owner_is_persona else stage.maker(Role.CONTROLLER)
        view = SavedView.objects.create(owner=owner, name="Mine", query="status=open", shared=True)
        return Staged(reverse("workbench:view-delete", args=[view.pk]), {},
                      lambda: not SavedView.objects.filter(pk=view.pk).exists(), "saved_view.deleted")
    return stage_it


def _token_revoke(own: bool):
    def stage_it(stage: Stage) -> Staged:
        owner = stage.persona if own else stage.maker(Role.CONTROLLER)
        token, _raw = api_token_create(actor=owner, name="ERP export", capabilities=[C.VIEW],
                                       legal_entities=[stage.entity], expires_in_days=5)
        return Staged(reverse("token-revoke", args=[token.pk]), {"reason": "no longer used"},
                      lambda: type(token).objects.get(pk=token.pk).revoked_at is not None, "api_token.revoke")
    return stage_it


def _token_create(stage: Stage) -> Staged:
    from apps.access.models import ApiToken

    return Staged(reverse("token-list"), {"name": "Nightly export", "capabilities": [C.VIEW],
                                          "legal_entities": [stage.entity.pk], "expires_in_days": "5"},
                  lambda: ApiToken.objects.filter(user=stage.persona).exists(), "api_token.create")


# banking and reconciliation

def debtor_account(stage: Stage):
    from apps.banking.models import CompanyBankAccount

    return CompanyBankAccount.objects.filter(iban=DEBTOR_IBAN).first() or company_account(stage.entity,
                                                                                         iban=DEBTOR_IBAN)


def _statement_with_matches(stage: Stage) -> BankStatement:
    """Statement S-1: line 1 matched by end-to-end id, line 2 ambiguous between two payments, line 3 unmatched."""
    month_periods(stage.entity, 2026)
    account = debtor_account(stage)
    people = [supplier(stage.entity, f"V{n:05d}", name, creditor_iban(n))
              for n, name in enumerate(["Acme Industrial GmbH", "Brandt Logistik AG", "Cordes GmbH"], start=1)]
    released_batch(stage.entity, account, "B1", [("E2E-1", "1190.00", people[0]), ("E2E-2", "500.00", people[1]),
                                                 ("E2E-3", "500.00", people[1]), ("E2E-4", "80.00", people[2])],
                   status=BatchStatus.SENT, payment_status=PaymentStatus.SENT)
    entries = [Entry("1190.00", end_to_end_id="E2E-1", counterparty="Acme Industrial GmbH"),
               Entry("500.00", counterparty="Brandt Logistik AG"), Entry("80.00", counterparty="Somebody Else")]
    for entry in entries:
        entry.booking_date = "2026-11-21"
    content = camt053([Statement("S-1", DEBTOR_IBAN, "1000.00", None, entries, day="2026-11-21")], message_id="M-S-1")
    statement_import(content=content, filename="S-1.xml", channel=FileChannel.UPLOAD)
    reconciliation_run()
    return BankStatement.objects.get(statement_id="S-1")


def _match_confirm(stage: Stage) -> Staged:
    statement = _statement_with_matches(stage)
    match = ReconciliationMatch.objects.filter(items__statement_line__statement=statement,
                                               status=MatchStatus.PROPOSED).first()
    return Staged(reverse("banking:match_confirm", args=[match.pk]), {"note": "Checked the remittance"},
                  lambda: _fresh(ReconciliationMatch, match.pk).status == MatchStatus.ACTIVE,
                  "reconciliation.confirmed")


def _match_undo(stage: Stage) -> Staged:
    statement = _statement_with_matches(stage)
    match = ReconciliationMatch.objects.filter(items__statement_line__statement=statement,
                                               status=MatchStatus.ACTIVE).first()
    return Staged(reverse("banking:match_undo", args=[match.pk]), {"reason": "Wrong payment matched"},
                  lambda: _fresh(ReconciliationMatch, match.pk).status == MatchStatus.UNDONE, "reconciliation.undone")


def _match_manual(stage: Stage) -> Staged:
    statement = _statement_with_matches(stage)
    line = statement.lines.order_by("line_no").last()
    before = ReconciliationMatch.objects.count()
    return Staged(reverse("banking:match_manual", args=[statement.pk]),
                  {"line": [line.pk], "end_to_end_ids": "E2E-4", "note": "Paid by phone order"},
                  lambda: ReconciliationMatch.objects.count() == before + 1, "reconciliation.matched_manually")


def _upload(stage: Stage) -> Staged:
    content = camt053([Statement("U-1", DEBTOR_IBAN, "0.00", "0.00", [])], message_id="M-U-1")
    return Staged(reverse("banking:upload"), {"legal_entity": stage.entity.pk,
                                              "files": SimpleUploadedFile("u1.xml", content, "application/xml")},
                  lambda: BankFileUpload.objects.exists(), "bank_file.uploaded")


# connectors

def _connector_post(route: str, data: dict, done: Callable[[Connector], bool], audit: str):
    def stage_it(stage: Stage) -> Staged:
        connector = _connector(stage)
        return Staged(reverse(f"connectors:{route}", args=[connector.code]), data,
                      lambda: done(_fresh(Connector, connector.pk)), audit)
    return stage_it


def _audited(action: str) -> Callable[..., bool]:
    from apps.audit.models import AuditEvent

    return lambda *_: AuditEvent.objects.filter(action=action).exists()


# controls

SETTINGS_FORM = {"invoice_duplicate_window_days": "30", "match_price_tolerance_pct": "2",
                 "match_price_tolerance_abs": "0.05", "match_quantity_tolerance_pct": "0",
                 "match_quantity_tolerance_abs": "0", "supplier_name_threshold": "90", "bank_change_hold_days": "14",
                 "unmatched_statement_line_age_days": "5", "close_blocking_kinds": ["journal.unbalanced"],
                 "change_note": "Tighten price tolerance"}


def _settings_propose(stage: Stage) -> Staged:
    return Staged(reverse("controls:settings_propose"), {"legal_entity": str(stage.entity.pk), **SETTINGS_FORM},
                  lambda: ControlSettingsVersion.objects.filter(status=VersionStatus.PROPOSED).exists(),
                  "controls.controlsettingsversion.proposed")


def proposed_settings(stage: Stage) -> ControlSettingsVersion:
    terms = terms_with(control_settings_for(stage.entity), match_price_tolerance_pct=1)
    return control_settings_propose(legal_entity=stage.entity, terms=terms,
                                    change_note="Tighter tolerance", actor=stage.maker(Role.INTEGRATION_ADMIN))


def _settings_review(decision: str, status: str):
    """A proposal of someone else's, reviewed (or withdrawn: only its proposer may) on its page."""
    def stage_it(stage: Stage) -> Staged:
        version = proposed_settings(stage)
        return Staged(reverse("controls:settings_version", args=[version.pk]),
                      {"decision": decision, "note": "Agreed with the controller"},
                      lambda: _fresh(ControlSettingsVersion, version.pk).status == status,
                      f"controls.controlsettingsversion.{PAST[decision]}")
    return stage_it


def pending_bank_account(stage: Stage) -> SupplierBankAccount:
    from apps.controls.suppliers import supplier_bank_account_request

    firm = Supplier.objects.create(legal_entity=stage.entity, number="S-9", name="Acme GmbH", country="DE")
    return supplier_bank_account_request(supplier=firm, actor=stage.maker(Role.CONTROLLER), currency="EUR",
                                         iban=creditor_iban(77))


def _bank_account(decision: str):
    def stage_it(stage: Stage) -> Staged:
        account = pending_bank_account(stage)
        status = "active" if decision == "approve" else "rejected"
        return Staged(reverse("controls:bank_accounts"),
                      {"account": account.pk, "decision": decision, "note": "Confirmed by phone with the supplier"},
                      lambda: _fresh(SupplierBankAccount, account.pk).status == status,
                      f"supplier.bank_account_{PAST[decision]}")
    return stage_it


def unbatched_payment(stage: Stage, *, held: bool = False) -> PaymentInstruction:
    """A payment instruction to a supplier account approved long ago (no hold), awaiting a batch."""
    firm = Supplier.objects.create(legal_entity=stage.entity, number="V-1", name="Acme GmbH", country="DE")
    bank = SupplierBankAccount.objects.create(supplier=firm, iban=creditor_iban(5), country="DE", currency="EUR",
                                              status="active")
    SupplierBankAccount.objects.filter(pk=bank.pk).update(approved_at=timezone.now() - timedelta(days=400))
    payment = PaymentInstruction.objects.create(
        legal_entity=stage.entity, supplier=firm, supplier_bank_account=bank, end_to_end_id="E2E-P1",
        instruction_id="I-P1", idempotency_key="test:E2E-P1", amount="100.00", currency="EUR",
        creditor_name=firm.name, creditor_iban=bank.iban, requested_date=date(2026, 12, 4),
        status=PaymentStatus.HELD if held else PaymentStatus.CREATED)
    return payment


def pending_batch(stage: Stage, *, held: bool = False) -> PaymentBatch:
    from apps.controls.payments import payment_batch_create

    account, payment = debtor_account(stage), unbatched_payment(stage, held=held)
    return payment_batch_create(legal_entity=stage.entity, debtor_account=account, payments=[payment],
                                requested_execution_date=date(2026, 12, 4), actor=stage.maker(Role.TREASURY_OPS))


def _batch_create(stage: Stage) -> Staged:
    account, payment = debtor_account(stage), unbatched_payment(stage)
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    return Staged(reverse("controls:payment_batch_new"),
                  {"debtor_account": account.pk, "requested_execution_date": day, "payments": [payment.pk],
                   "reference": "", "idempotency_key": "form-1", "entered-TOTAL_FORMS": "0",
                   "entered-INITIAL_FORMS": "0"},
                  lambda: PaymentBatch.objects.filter(payments=payment).exists(), "payment_batch.created")


def _batch_release(stage: Stage) -> Staged:
    batch = pending_batch(stage)
    return Staged(reverse("controls:payment_batch", args=[batch.pk]), {"action": "release"},
                  lambda: _fresh(PaymentBatch, batch.pk).status == BatchStatus.RELEASED, "payment_batch.released")


def _hold_release(stage: Stage) -> Staged:
    batch = pending_batch(stage, held=True)
    payment = batch.payments.get()
    return Staged(reverse("controls:payment_batch", args=[batch.pk]),
                  {"action": "release_hold", "payment": payment.pk, "note": "Called the supplier back"},
                  lambda: _fresh(PaymentInstruction, payment.pk).status == PaymentStatus.CREATED,
                  "payment.hold_released")


def duplicate_case(stage: Stage, reference: str = "501") -> ExceptionCase:
    """A supplier held as a possible duplicate of an existing one, as the screening leaves it."""
    known = Supplier.objects.create(legal_entity=stage.entity, number=f"V{reference}", name="Müller GmbH",
                                    country="DE")
    incoming = {"number": f"S{reference}", "name": "MUELLER GMBH", "country": "DE", "tax_id": "", "iban": "",
                "account_number": "", "city": "Stuttgart"}
    case = _case(stage, reference, kind="supplier.duplicate", supplier=known, details={
        "incoming": incoming, "candidates": [{"id": known.pk, "supplier": known.pk, "number": known.number,
                                              "name": known.name, "country": "DE", "tax_id": "",
                                              "matched_on": ["name"], "name_score": 92}]})
    SyncRecord.objects.filter(pk=case.sync_record_id).update(canonical={"source_id": reference},
                                                              object_type="supplier", flow="supplier_onboarding")
    return case


def _duplicate_decide(stage: Stage) -> Staged:
    case = duplicate_case(stage)
    known = case.supplier
    return Staged(reverse("controls:supplier_duplicate", args=[case.pk]), {"decision": "link", "supplier": known.pk},
                  lambda: SupplierDuplicateDecision.objects.filter(case=case).exists(), "supplier.duplicate_link")


def _duplicate_report(stage: Stage) -> Staged:
    return Staged(reverse("controls:supplier_duplicate_report"), {"entity": stage.entity.pk},
                  lambda: Job.objects.exists(), "job.started")


# mappings

def journal_mapping(stage: Stage) -> MappingVersion:
    system = SourceSystem.objects.get_or_create(code="ops-events", defaults={"name": "Ops events",
                                                                             "kind": "other"})[0]
    mapping = Mapping.objects.create(source_system=system, object_type="journal_entry", canonical_type="journal_entry")
    return MappingVersion.objects.create(mapping=mapping, number=1, spec=JOURNAL_SPEC, status="approved",
                                         proposed_by=stage.maker(Role.CONTROLLER),
                                         reviewed_by=stage.maker(Role.INTEGRATION_ADMIN))


def mapping_form(note: str = "Map ops journals") -> dict:
    rules = {k: v for k, v in JOURNAL_SPEC.items() if k != "crosswalks"}
    return {"rules": json.dumps(rules), "crosswalks": crosswalks_to_csv(JOURNAL_SPEC), "schema_version": "v1",
            "effective_from": "", "change_note": note}


def mapping_draft(stage: Stage, *, proposed: bool = False) -> MappingVersion:
    from apps.mappings.services import mapping_draft_create

    base = journal_mapping(stage)
    maker = stage.maker(Role.INTEGRATION_ADMIN)
    draft = mapping_draft_create(mapping=base.mapping, spec=JOURNAL_SPEC, actor=maker, change_note="Map more")
    return version_propose(version=draft, actor=maker, note="Map more") if proposed else draft


def _mapping_new(stage: Stage) -> Staged:
    base = journal_mapping(stage)
    return Staged(reverse("mappings:new", args=[base.mapping_id]), mapping_form(),
                  lambda: base.mapping.versions.count() == 2, "mappings.mappingversion.drafted")


def _mapping_edit(stage: Stage) -> Staged:
    draft = mapping_draft(stage)
    return Staged(reverse("mappings:edit", args=[draft.mapping_id, draft.pk]), mapping_form("Edited note"),
                  lambda: _fresh(MappingVersion, draft.pk).change_note == "Edited note",
                  "mappings.mappingversion.edited")


def _mapping_import(stage: Stage) -> Staged:
    base = journal_mapping(stage)
    content = json.dumps(version_to_json(base)).encode()
    return Staged(reverse("mappings:import", args=[base.mapping_id]),
                  {"file": SimpleUploadedFile("v.json", content, "application/json")},
                  lambda: base.mapping.versions.count() == 2, "mappings.mappingversion.drafted")


def _mapping_decide(decision: str, status: str, *, proposed: bool):
    def stage_it(stage: Stage) -> Staged:
        version = mapping_draft(stage, proposed=proposed)
        return Staged(reverse("mappings:version", args=[version.pk]), {"decision": decision, "note": "Looks right"},
                      lambda: _fresh(MappingVersion, version.pk).status == status,
                      f"mappings.mappingversion.{PAST[decision]}")
    return stage_it


# SLAs

SLA_FORM = {"flow": SlaFlow.INVOICE_SYNC, "target_minutes": "15", "warning_minutes": "10", "compliance_pct": "95",
            "statement_business_days_only": "on", "change_note": "AP close needs invoices within 15 min"}


def _sla_propose(stage: Stage) -> Staged:
    return Staged(reverse("sla:propose"), {**SLA_FORM, "legal_entity": stage.entity.pk},
                  lambda: SlaVersion.objects.filter(status=VersionStatus.PROPOSED).exists(), "sla.slaversion.proposed")


def proposed_sla(stage: Stage) -> SlaVersion:
    return sla_propose(flow=SlaFlow.INVOICE_SYNC, legal_entity=stage.entity, change_note="Faster invoices",
                       terms=SlaTerms(target_seconds=900, warning_seconds=600, compliance_pct=95),
                       actor=stage.maker(Role.INTEGRATION_ADMIN))


def _sla_review(decision: str, status: str):
    def stage_it(stage: Stage) -> Staged:
        version = proposed_sla(stage)
        return Staged(reverse("sla:version", args=[version.pk]), {"decision": decision, "note": "Agreed with AP"},
                      lambda: _fresh(SlaVersion, version.pk).status == status,
                      f"sla.slaversion.{PAST[decision]}")
    return stage_it


RESOLVE = {"reason_code": "fixed_at_source", "note": "Corrected in the ERP"}
PAGE_ACTIONS: list[PageAction] = [
    # workbench: one case's actions, the dry run, the four-eyes payload edit, bulk, saved views
    PageAction("resolve", "workbench:action", C.RESOLVE, _case_action(
        "resolve", lambda s, c: RESOLVE, lambda s, c: c.status == "resolved", "exception.resolved")),
    PageAction("ignore", "workbench:action", C.RESOLVE, _case_action(
        "ignore", lambda s, c: {"justification": "A test posting, nothing to do"}, lambda s, c: c.status == "ignored",
        "exception.ignored")),
    PageAction("assign", "workbench:action", C.RESOLVE, _case_action(
        "assign", lambda s, c: {"owner": s.maker(Role.CONTROLLER).pk},
        lambda s, c: c.owner_id == s.maker(Role.CONTROLLER).pk, "exception.assigned")),
    PageAction("claim", "workbench:action", C.RESOLVE, _case_action(
        "claim", lambda s, c: {}, lambda s, c: c.owner_id == s.persona.pk, "exception.claimed")),
    PageAction("replay", "workbench:action", C.REPLAY, _case_action(
        "replay", lambda s, c: {"version_choice": "current", "reason": "ERP fixed"},
        lambda s, c: c.sync_record.status == "retry_wait", "record.replayed")),
    PageAction("payload edit propose", "workbench:action", C.REPLAY, _case_action(
        "edit", lambda s, c: {"payload": json.dumps({"number": "JE-1", "lines": [1]}), "version_choice": "current",
                              "note": "Lines were missing"},
        lambda s, c: PayloadEdit.objects.filter(case=c, status="proposed").exists(), "workbench.payloadedit.proposed")),
    PageAction("payload edit approve", "workbench:edit-review", C.REPLAY, _edit_review("approve")),
    PageAction("payload edit reject", "workbench:edit-review", C.REPLAY, _edit_review("reject")),
    PageAction("bulk resolve", "workbench:bulk", C.RESOLVE, _bulk("resolve", RESOLVE)),
    PageAction("bulk replay", "workbench:bulk", C.REPLAY, _bulk("replay", {"version_choice": "current"})),
    PageAction("saved view save", "workbench:views", ANY_ROLE, lambda s: Staged(
        reverse("workbench:views"), {"name": "Mine", "query": "status=open"},
        lambda: SavedView.objects.filter(owner=s.persona).exists(), "saved_view.saved")),
    PageAction("saved view delete own", "workbench:view-delete", ANY_ROLE, _saved_view_delete(True)),
    PageAction("saved view delete another's", "workbench:view-delete", NOBODY, _saved_view_delete(False)),
    # tokens
    PageAction("token create", "token-list", ANY_ROLE, _token_create),
    PageAction("token revoke own", "token-revoke", ANY_ROLE, _token_revoke(True)),
    PageAction("token revoke another's", "token-revoke", C.MANAGE_USERS, _token_revoke(False)),
    # bank files and reconciliation
    PageAction("bank file upload", "banking:upload", C.IMPORT_BANK_FILES, _upload),
    PageAction("reconciliation confirm", "banking:match_confirm", C.RECONCILE, _match_confirm),
    PageAction("reconciliation undo", "banking:match_undo", C.RECONCILE, _match_undo),
    PageAction("reconciliation match by hand", "banking:match_manual", C.RECONCILE, _match_manual),
    # connectors
    PageAction("connector run now", "connectors:run", C.CONFIGURE, _connector_post(
        "run", {}, _audited("connector.run_now"), "connector.run_now")),
    PageAction("connector disable", "connectors:toggle", C.CONFIGURE, _connector_post(
        "toggle", {"enabled": "0"}, lambda c: not c.enabled, "connector.disabled")),
    PageAction("connector test", "connectors:test", C.CONFIGURE, _connector_post(
        "test", {}, _audited("connector.connection_tested"), "connector.connection_tested")),
    PageAction("connector schedule", "connectors:schedule", C.CONFIGURE, _connector_post(
        "schedule", {"every_minutes": "15"}, lambda c: c.schedule is not None and c.schedule.interval.every == 900,
        "connector.schedule_changed")),
    # control settings, supplier master, payments
    PageAction("control settings propose", "controls:settings_propose", C.CONFIGURE, _settings_propose),
    PageAction("control settings approve", "controls:settings_version", C.CONFIGURE,
               _settings_review("approve", "approved")),
    PageAction("control settings reject", "controls:settings_version", C.CONFIGURE,
               _settings_review("reject", "rejected")),
    PageAction("control settings withdraw another's", "controls:settings_version", NOBODY,
               _settings_review("withdraw", "draft")),
    PageAction("supplier bank change approve", "controls:bank_accounts", C.APPROVE_BANK_DETAILS,
               _bank_account("approve")),
    PageAction("supplier bank change reject", "controls:bank_accounts", C.APPROVE_BANK_DETAILS,
               _bank_account("reject")),
    PageAction("payment batch create", "controls:payment_batch_new", C.RELEASE_PAYMENTS, _batch_create),
    PageAction("payment batch release", "controls:payment_batch", C.RELEASE_PAYMENTS, _batch_release),
    PageAction("payment hold release", "controls:payment_batch", C.RELEASE_PAYMENTS, _hold_release),
    PageAction("duplicate supplier decide", "controls:supplier_duplicate", C.RESOLVE, _duplicate_decide),
    PageAction("duplicate supplier report", "controls:supplier_duplicate_report", ANY_ROLE, _duplicate_report),
    # mappings
    PageAction("mapping draft new", "mappings:new", C.APPROVE_MAPPINGS, _mapping_new),
    PageAction("mapping draft edit", "mappings:edit", C.APPROVE_MAPPINGS, _mapping_edit),
    PageAction("mapping import", "mappings:import", C.APPROVE_MAPPINGS, _mapping_import),
    PageAction("mapping propose", "mappings:version", C.APPROVE_MAPPINGS,
               _mapping_decide("propose", "proposed", proposed=False)),
    PageAction("mapping approve", "mappings:version", C.APPROVE_MAPPINGS,
               _mapping_decide("approve", "approved", proposed=True)),
    PageAction("mapping reject", "mappings:version", C.APPROVE_MAPPINGS,
               _mapping_decide("reject", "rejected", proposed=True)),
    PageAction("mapping withdraw another's", "mappings:version", NOBODY,
               _mapping_decide("withdraw", "draft", proposed=True)),
    # SLAs
    PageAction("SLA propose", "sla:propose", C.CONFIGURE, _sla_propose),
    PageAction("SLA approve", "sla:version", C.CONFIGURE, _sla_review("approve", "approved")),
    PageAction("SLA reject", "sla:version", C.CONFIGURE, _sla_review("reject", "rejected")),
    PageAction("SLA withdraw another's", "sla:version", NOBODY, _sla_review("withdraw", "draft")),
]

# POST routes that only read (a preview or a dry run): who may use them, and what the answer shows when allowed.
READ_ONLY_POSTS = {
    "workbench:replay-preview": C.REPLAY,
    "mappings:preview": ANY_ROLE,
}

_POST_HINTS = re.compile(r"require_POST|require_http_methods|request\.POST|request\.FILES|request\.method")


def accepts_post(callback) -> bool:
    """Whether a page view takes POST: it is marked so, or it reads the method, the form data or uploads."""
    func = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return True  # cannot tell: treat as POST-capable, so it must be classified
    if getattr(callback, "view_class", None) is not None:
        return "def post" in source or "FormView" in source
    return bool(_POST_HINTS.search(source))
