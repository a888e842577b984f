"""Supplier master governance: duplicate screening (tax id, IBAN, fuzzy name within a country), the
merge / link / accept-as-new decisions through the real pipeline, and bank-account changes under four eyes."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.controls.defaults import DEFAULTS
from apps.controls.models import SupplierDuplicateDecision
from apps.controls.names import name_key
from apps.controls.screening import SupplierProfile, supplier_screen
from apps.controls.services import control_settings_approve, control_settings_propose, terms_with
from apps.controls.suppliers import (
    supplier_bank_account_approve,
    supplier_bank_account_reject,
    supplier_bank_account_request,
    supplier_duplicate_decide,
)
from apps.exceptions.models import ExceptionCase
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.masterdata.models import ExternalId, Supplier, SupplierBankAccount
from apps.sync.services import record_process

from .supplier_world import procurement, send_supplier

pytestmark = pytest.mark.django_db

VAT_MUELLER, VAT_OTHER = "DE136974772", "DE812345673"
IBAN_MUELLER, IBAN_NEW = "DE89370400440532013000", "DE12500105170648489890"


@pytest.fixture
def mueller(entity_de):
    supplier = Supplier.objects.create(legal_entity=entity_de, number="V100", name="Müller Maschinenbau GmbH",
                                       country="DE", tax_id=VAT_MUELLER, tax_id_normalized=VAT_MUELLER,
                                       city="Stuttgart")
    SupplierBankAccount.objects.create(supplier=supplier, iban=IBAN_MUELLER, country="DE", currency="EUR",
                                       status="active")
    return supplier


@pytest.fixture
def coupa(entity_de, maker, checker):
    return procurement(entity_de, maker, checker)


def _screen(entity, **profile):
    return supplier_screen(entity_id=entity.pk, profile=SupplierProfile(**{"country": "DE", **profile}),
                           name_threshold=90)


# --- screening ---------------------------------------------------------------------------------------------

def test_names_compare_without_accents_case_legal_form_or_word_order():
    assert name_key("Müller Maschinenbau GmbH") == name_key("MUELLER MASCHINENBAU") == "maschinenbau mueller"
    assert name_key("Siemens AG") == name_key("SIEMENS Aktiengesellschaft") == "siemens"
    assert name_key("Wurth Industrie Service GmbH & Co. KG") == "industrie service wurth"


@pytest.mark.parametrize(("profile", "matched_on"), [
    ({"name": "Acme", "tax_id": VAT_MUELLER}, ["tax id"]),
    ({"name": "Acme", "iban": IBAN_MUELLER}, ["IBAN"]),
    ({"name": "MUELLER MASCHINENBAU"}, ["name"]),
    ({"name": "Mueller Maschinenbau", "tax_id": VAT_MUELLER, "iban": IBAN_MUELLER}, ["tax id", "IBAN", "name"]),
])
def test_a_supplier_matching_on_an_identifier_or_a_close_name_is_a_candidate(entity_de, mueller, profile,
                                                                              matched_on):
    [candidate] = _screen(entity_de, **profile)

    assert (candidate.id, candidate.matched_on) == (mueller.pk, matched_on)
    assert candidate.ibans == [IBAN_MUELLER]


@pytest.mark.parametrize("name", [
    "Mueller Maschinebau GmbH",  # a letter dropped
    "Müller Maschinenbua GmbH",  # two letters swapped
    "Muller Maschinenbau",  # the umlaut lost instead of written out
    "Mueller Maschienenbau AG",  # a letter too many, another legal form
])
def test_a_typo_level_variant_of_the_name_is_a_candidate(entity_de, mueller, name):
    [candidate] = _screen(entity_de, name=name)

    assert (candidate.id, candidate.matched_on) == (mueller.pk, ["name"])
    assert candidate.name_score >= 90


def test_a_local_bank_account_with_its_routing_code_is_a_candidate(entity_de, mueller):
    acme = Supplier.objects.create(legal_entity=entity_de, number="V300", name="Acme Corp.", country="US")
    SupplierBankAccount.objects.create(supplier=acme, account_number="000123456789", routing_number="021000021",
                                       country="US", currency="USD", status="active")

    [candidate] = _screen(entity_de, name="Zenith Inc.", country="US", account_number="000123456789",
                          routing_number="021000021")
    assert (candidate.id, candidate.matched_on, candidate.ibans) == (acme.pk, ["bank account"], [])
    assert _screen(entity_de, name="Zenith Inc.", country="US", account_number="000123456789",
                   routing_number="026009593") == []  # the same number at another bank


@pytest.mark.parametrize("profile", [
    {"name": "Müller Maschinenbau GmbH", "country": "AT"},  # same name, other country: another firm
    {"name": "Müller Logistik GmbH"},  # below the threshold
    {"name": "Acme", "tax_id": VAT_OTHER, "iban": IBAN_NEW},
])
def test_a_different_supplier_passes(entity_de, mueller, profile):
    assert _screen(entity_de, **profile) == []


def test_merged_suppliers_and_other_entities_are_not_candidates(entity_de, entity_us, mueller):
    Supplier.objects.create(legal_entity=entity_us, number="U1", name="Mueller Maschinenbau", country="DE")
    Supplier.objects.filter(pk=mueller.pk).update(status="merged")

    assert _screen(entity_de, name="Müller Maschinenbau", tax_id=VAT_MUELLER) == []


def test_the_name_index_sees_suppliers_created_and_renamed_after_it_was_built(entity_de, mueller):
    assert _screen(entity_de, name="Nordlicht Solar") == []
    late = Supplier.objects.create(legal_entity=entity_de, number="V200", name="Nordlicht Solar GmbH", country="DE")
    assert [c.id for c in _screen(entity_de, name="Nordlicht Solar")] == [late.pk]
    late.name = "Sonnenschein Energie GmbH"
    late.save()
    assert _screen(entity_de, name="Nordlicht Solar") == []


def test_the_name_threshold_comes_from_the_approved_control_settings(entity_de, mueller, coupa, maker, checker):
    version = control_settings_propose(legal_entity=entity_de, terms=terms_with(DEFAULTS, supplier_name_threshold=70),
                                       change_note="Catch more spelling variants", actor=maker)
    control_settings_approve(version=version, actor=checker)

    record = send_supplier(coupa, "77", number="S77", name="Müller Maschinenbau Süd GmbH")

    assert record.status == "exception"
    case = ExceptionCase.objects.get(kind="supplier.duplicate")
    assert [(c["id"], c["matched_on"]) for c in case.details["candidates"]] == [(mueller.pk, ["name"])]


# --- through the pipeline: held, then decided ----------------------------------------------------------------

def test_a_new_supplier_like_an_existing_one_is_held_with_the_candidates(entity_de, mueller, coupa):
    record = send_supplier(coupa, "501", number="S501", name="MUELLER MASCHINENBAU", tax_id="de 136 974 772",
                           iban="DE12 5001 0517 0648 4898 90", city="Esslingen")

    assert record.status == "exception"
    case = ExceptionCase.objects.get(kind="supplier.duplicate")
    assert (case.sync_record_id, case.supplier_id, case.legal_entity_id) == (record.pk, mueller.pk, entity_de.pk)
    assert case.details["incoming"] == {"number": "S501", "name": "MUELLER MASCHINENBAU", "country": "DE",
                                        "tax_id": VAT_MUELLER, "iban": IBAN_NEW, "account_number": "",
                                        "city": "Esslingen"}
    assert case.details["candidates"][0]["matched_on"] == ["tax id", "name"]
    assert Supplier.objects.count() == 1  # nothing created, nothing sent to the ERP
    assert not record.children.exists()


def _held(coupa, mueller):
    record = send_supplier(coupa, "501", number="S501", name="MUELLER MASCHINENBAU", tax_id=VAT_MUELLER,
                           iban=IBAN_NEW, address_line="Hauptstr. 1", postal_code="70173")
    return record, ExceptionCase.objects.get(kind="supplier.duplicate")


def test_merge_links_the_source_fills_blanks_and_puts_the_new_bank_account_under_four_eyes(
        entity_de, mueller, coupa, controller):
    record, case = _held(coupa, mueller)

    decision = supplier_duplicate_decide(case=case, decision="merge", supplier_id=mueller.pk, actor=controller)
    record_outcome = record_process(record.pk, version_choice="current")  # what the replay task does

    record.refresh_from_db()
    mueller.refresh_from_db()
    case.refresh_from_db()
    assert (record_outcome, record.status, record.target_external_id) == ("duplicate", "delivered", str(mueller.pk))
    assert (case.status, case.resolution_code, case.resolved_by) == ("resolved", "duplicate_confirmed", controller)
    assert Supplier.objects.count() == 1
    link = ExternalId.objects.get(system=coupa.system, content_type=ContentType.objects.get_for_model(Supplier))
    assert (link.object_id, link.external_id) == (mueller.pk, "501")
    assert (mueller.address_line, mueller.postal_code, mueller.city) == ("Hauptstr. 1", "70173", "Stuttgart")
    new = SupplierBankAccount.objects.get(iban=IBAN_NEW)
    assert (new.supplier_id, new.status, new.requested_by) == (mueller.pk, "pending_approval", None)
    alarm = ExceptionCase.objects.get(kind="supplier.bank_change")
    assert (alarm.severity, alarm.supplier_id, alarm.details["account_id"]) == ("critical", mueller.pk, new.pk)
    decision.refresh_from_db()
    assert decision.applied_at is not None
    assert {"supplier.duplicate_merge", "supplier.merged", "supplier.bank_account_requested"} <= set(
        AuditEvent.objects.values_list("action", flat=True))


def test_link_only_links(entity_de, mueller, coupa, treasury_operator):
    record, case = _held(coupa, mueller)

    supplier_duplicate_decide(case=case, decision="link", supplier_id=mueller.pk, actor=treasury_operator)
    record_process(record.pk, version_choice="current")

    mueller.refresh_from_db()
    assert mueller.address_line == ""
    assert not SupplierBankAccount.objects.filter(iban=IBAN_NEW).exists()
    assert ExternalId.objects.get(system=coupa.system).object_id == mueller.pk


def test_accept_as_new_needs_a_reason_then_onboards_without_screening(entity_de, mueller, coupa, controller):
    record, case = _held(coupa, mueller)
    with pytest.raises(DomainError) as refused:
        supplier_duplicate_decide(case=case, decision="accept_new", actor=controller, note="new")
    assert refused.value.code == "note_required"

    supplier_duplicate_decide(case=case, decision="accept_new", actor=controller,
                              note="Sister company with its own VAT group membership confirmed by phone")
    record_process(record.pk, version_choice="current")

    record.refresh_from_db()
    assert record.status == "delivered"
    assert Supplier.objects.filter(number="S501", name="MUELLER MASCHINENBAU").count() == 1


def test_a_decision_needs_the_right_role_the_entity_and_an_offered_candidate(entity_de, mueller, coupa, auditor,
                                                                              outsider, controller):
    record, case = _held(coupa, mueller)
    other = Supplier.objects.create(legal_entity=entity_de, number="V999", name="Unrelated AG", country="DE")

    with pytest.raises(PermissionDenied):
        supplier_duplicate_decide(case=case, decision="link", supplier_id=mueller.pk, actor=auditor)
    with pytest.raises(DomainError) as not_found:
        supplier_duplicate_decide(case=case, decision="link", supplier_id=mueller.pk, actor=outsider)
    assert not_found.value.code == "not_found"
    with pytest.raises(DomainError) as no_target:
        supplier_duplicate_decide(case=case, decision="merge", supplier_id=other.pk, actor=controller)
    assert no_target.value.code == "no_target"

    case.refresh_from_db()
    assert case.status == "open"
    assert not SupplierDuplicateDecision.objects.exists()


def test_review_page_shows_the_candidates_side_by_side_and_decides(entity_de, mueller, coupa, controller, outsider,
                                                                   auditor, client_for):
    record, case = _held(coupa, mueller)

    assert client_for(outsider).get(f"/controls/suppliers/duplicates/{case.pk}/").status_code == 404
    read_only = client_for(auditor).get(f"/controls/suppliers/duplicates/{case.pk}/").content.decode()
    assert "Müller Maschinenbau GmbH" in read_only
    assert 'value="merge"' not in read_only
    html = client_for(controller).get(f"/controls/suppliers/duplicates/{case.pk}/").content.decode()
    assert "MUELLER MASCHINENBAU" in html
    assert IBAN_MUELLER in html
    assert 'value="merge"' in html

    response = client_for(controller).post(f"/controls/suppliers/duplicates/{case.pk}/",
                                           {"decision": "link", "supplier": str(mueller.pk)})

    assert response.status_code == 302
    assert SupplierDuplicateDecision.objects.get().decision == "link"
    detail = client_for(controller).get(f"/workbench/{case.pk}/").content.decode()
    assert f"/controls/suppliers/duplicates/{case.pk}/" in detail


# --- bank-account changes ---------------------------------------------------------------------------------

def test_a_bank_account_change_needs_a_second_person(entity_de, mueller, controller, treasury_operator):
    account = supplier_bank_account_request(supplier=mueller, iban="DE12 5001 0517 0648 4898 90", currency="EUR",
                                            actor=treasury_operator)
    with pytest.raises(PermissionDenied) as refused:
        supplier_bank_account_approve(account=account, actor=treasury_operator)
    assert refused.value.code == "four_eyes"
    account.refresh_from_db()
    assert account.status == "pending_approval"

    supplier_bank_account_approve(account=account, actor=controller, note="Confirmed by phone")

    account.refresh_from_db()
    assert (account.status, account.approved_by, account.iban) == ("active", controller, IBAN_NEW)
    assert SupplierBankAccount.objects.get(iban=IBAN_MUELLER).status == "inactive"  # the change replaced it
    assert AuditEvent.objects.filter(action="supplier.bank_account_approved", reason="Confirmed by phone").exists()


def test_the_database_refuses_one_person_on_both_sides_of_a_bank_change(mueller, controller):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierBankAccount.objects.create(supplier=mueller, iban=IBAN_NEW, country="DE", currency="EUR",
                                           requested_by=controller, approved_by=controller, status="active")


def test_bad_or_known_bank_details_are_refused(mueller, treasury_operator, auditor):
    with pytest.raises(DomainError) as invalid:
        supplier_bank_account_request(supplier=mueller, iban="DE00 1234", currency="EUR", actor=treasury_operator)
    assert invalid.value.code == "invalid_iban"
    with pytest.raises(DomainError) as exists:
        supplier_bank_account_request(supplier=mueller, iban=IBAN_MUELLER, currency="EUR", actor=treasury_operator)
    assert exists.value.code == "exists"
    with pytest.raises(PermissionDenied):
        supplier_bank_account_request(supplier=mueller, iban=IBAN_NEW, currency="EUR", actor=auditor)
    assert SupplierBankAccount.objects.count() == 1


def test_a_known_supplier_arriving_with_a_new_iban_raises_the_fraud_alarm(entity_de, coupa, controller):
    send_supplier(coupa, "900", number="S900", name="Nordlicht Solar GmbH", iban=IBAN_MUELLER)
    record = send_supplier(coupa, "900", number="S900", name="Nordlicht Solar GmbH", iban=IBAN_NEW,
                           city="Hamburg")  # a later version of the same Coupa supplier (new content)

    assert record.status == "delivered"
    supplier = Supplier.objects.get(number="S900")
    new = SupplierBankAccount.objects.get(iban=IBAN_NEW)
    assert (new.supplier_id, new.status) == (supplier.pk, "pending_approval")
    alarm = ExceptionCase.objects.get(kind="supplier.bank_change")
    assert (alarm.severity, alarm.status, alarm.source_system_id) == ("critical", "open", coupa.system_id)
    assert IBAN_NEW in alarm.message

    supplier_bank_account_reject(account=new, actor=controller, note="Supplier says they never changed banks")

    alarm.refresh_from_db()
    assert (alarm.status, alarm.resolution_code) == ("resolved", "auto_resolved")
    assert SupplierBankAccount.objects.get(iban=IBAN_NEW).status == "rejected"


def test_bank_account_page_lists_and_approves_under_four_eyes(entity_de, mueller, controller, treasury_operator,
                                                              client_for):
    account = supplier_bank_account_request(supplier=mueller, iban=IBAN_NEW, currency="EUR", actor=treasury_operator)

    own = client_for(treasury_operator).get("/controls/suppliers/bank-accounts/").content.decode()
    assert "someone else approves" in own
    client_for(treasury_operator).post("/controls/suppliers/bank-accounts/",
                                       {"account": account.pk, "decision": "approve"})
    account.refresh_from_db()
    assert account.status == "pending_approval"

    client_for(controller).post("/controls/suppliers/bank-accounts/", {"account": account.pk, "decision": "approve"})

    account.refresh_from_db()
    assert (account.status, account.approved_by) == ("active", controller)
    empty = client_for(controller).get("/controls/suppliers/bank-accounts/").content.decode()
    assert "No bank-account change waits for approval" in empty


# --- the pairwise duplicate report (background job) -------------------------------------------------------------

def test_the_duplicate_report_runs_as_a_job_and_lists_each_pair_once(entity_de, mueller, auditor, outsider,
                                                                     client_for):
    twin = Supplier.objects.create(legal_entity=entity_de, number="V101", name="MUELLER MASCHINENBAU", country="DE")
    Supplier.objects.create(legal_entity=entity_de, number="V102", name="Müller Maschinenbau", country="AT")
    same_vat = Supplier.objects.create(legal_entity=entity_de, number="V103", name="Anders AG", country="DE",
                                       tax_id_normalized=VAT_MUELLER)
    assert client_for(outsider).post("/controls/suppliers/duplicate-report/",
                                     {"entity": entity_de.pk}).status_code == 404

    response = client_for(auditor).post("/controls/suppliers/duplicate-report/", {"entity": entity_de.pk})

    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job_run(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.result["pairs"], job.result["same_tax_id"], job.result["similar_name"]) == (2, 1, 1)
    assert "V100 Müller Maschinenbau GmbH ↔ V101 MUELLER MASCHINENBAU (same name, score 100)" in job.result["notes"]
    assert "V100 Müller Maschinenbau GmbH ↔ V103 Anders AG (same tax id)" in job.result["notes"]
    assert not any("V102" in note for note in job.result["notes"])  # the AT namesake is another firm
    assert {twin.pk, same_vat.pk}.isdisjoint({mueller.pk})
