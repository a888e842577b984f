"""Segregation of duties for every maker-checker object, tried through the pages, the API and the admin: the
person who made a change (drafted, edited, proposed, requested or created it) never approves it in any channel;
a second person can. The database constraints stay the last line (tests/governance, tests/controls)."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.access.roles import Role
from apps.access.selectors import user_capabilities
from apps.access.services import api_token_create, user_create
from apps.audit.models import AuditEvent
from apps.controls.models import ControlSettingsVersion
from apps.governance.choices import VersionStatus
from apps.mappings.models import MappingVersion
from apps.masterdata.models import SupplierBankAccount
from apps.sla.models import SlaVersion
from apps.sync.models import SyncRecord
from apps.treasury.choices import BatchStatus
from apps.treasury.models import PaymentBatch
from apps.workbench.models import PayloadEdit
from tests.conftest import PASSWORD

from .api_ops import UNSAFE, schema_operations
from .page_actions import (
    SETTINGS_FORM,
    SLA_FORM,
    Stage,
    _case,
    mapping_draft,
    pending_bank_account,
    pending_batch,
)

pytestmark = pytest.mark.django_db


def _person(name: str, role: str, entity, **flags):
    user = user_create(username=name, password=PASSWORD, roles=[role], entities=[entity])
    if flags:
        type(user).objects.filter(pk=user.pk).update(**flags)
        user.refresh_from_db()
    return user


def _api(user, entity) -> APIClient:
    """The person's own API token with everything they may do: the API is the same person, not a loophole."""
    _token, raw = api_token_create(actor=user, name="script", capabilities=sorted(user_capabilities(user)),
                                   legal_entities=[entity], expires_in_days=5)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _approvals(obj) -> list[str]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk),
                                          action__regex=r"\.(approved|rejected|released)$")
                .values_list("action", flat=True))


# --- mappings -----------------------------------------------------------------------------------------------

def test_mapping_proposer_cannot_approve_on_the_page_or_the_api_a_second_person_can(entity_de, entity_us,
                                                                                    client_for):
    stage = Stage(None, entity_de, entity_us)
    version = mapping_draft(stage, proposed=True)
    maker, checker = stage.maker(Role.INTEGRATION_ADMIN), _person("ivo", Role.INTEGRATION_ADMIN, entity_de)
    page = f"/mappings/versions/{version.pk}/"
    api = f"/api/v1/mapping-versions/{version.pk}/approve/"

    client_for(maker).post(page, {"decision": "approve", "note": "mine"})
    refused_api = _api(maker, entity_de).post(api, {"note": "mine"}, format="json")
    rejected_own = _api(maker, entity_de).post(f"/api/v1/mapping-versions/{version.pk}/reject/", {"note": "x"},
                                               format="json")

    assert (refused_api.status_code, rejected_own.status_code) == (403, 403)
    assert MappingVersion.objects.get(pk=version.pk).status == VersionStatus.PROPOSED
    assert _approvals(version) == []

    allowed = _api(checker, entity_de).post(api, {"note": "checked"}, format="json")

    assert allowed.status_code == 200
    version.refresh_from_db()
    assert (version.status, version.reviewed_by) == (VersionStatus.APPROVED, checker)


def test_whoever_edited_a_draft_cannot_approve_it_when_another_person_proposes_it(entity_de, entity_us, client_for):
    """Proposer ≠ approver is not enough: a checker who rewrote the draft before the maker proposed it would
    approve their own content."""
    stage = Stage(None, entity_de, entity_us)
    draft = mapping_draft(stage)
    maker = stage.maker(Role.INTEGRATION_ADMIN)
    editor, third = _person("ivo", Role.INTEGRATION_ADMIN, entity_de), _person("ines", Role.CONTROLLER, entity_de)
    edited = _api(editor, entity_de).patch(f"/api/v1/mapping-versions/{draft.pk}/", {"change_note": "Rewritten"},
                                           format="json")
    client_for(maker).post(f"/mappings/versions/{draft.pk}/", {"decision": "propose", "note": "Map more"})
    assert (edited.status_code, MappingVersion.objects.get(pk=draft.pk).status) == (200, VersionStatus.PROPOSED)

    page = client_for(editor).post(f"/mappings/versions/{draft.pk}/", {"decision": "approve", "note": "fine"})
    api = _api(editor, entity_de).post(f"/api/v1/mapping-versions/{draft.pk}/approve/", {"note": "fine"},
                                       format="json")
    review_page = client_for(editor).get(f"/mappings/versions/{draft.pk}/")

    assert (page.status_code, api.status_code) == (302, 403)
    assert "segregation of duties" in api.json()["detail"]
    assert review_page.context["can_review"] is False
    assert MappingVersion.objects.get(pk=draft.pk).status == VersionStatus.PROPOSED
    assert _approvals(draft) == []

    assert _api(third, entity_de).post(f"/api/v1/mapping-versions/{draft.pk}/approve/", {"note": "ok"},
                                       format="json").status_code == 200
    assert MappingVersion.objects.get(pk=draft.pk).reviewed_by == third


# --- SLA and control settings (pages; the API has no write operation for them, see the last test) ------------

@pytest.mark.parametrize(("propose_url", "form", "model", "review_url"), [
    ("/slas/propose/", SLA_FORM, SlaVersion, "/slas/versions/{pk}/"),
    ("/controls/settings/propose/", SETTINGS_FORM, ControlSettingsVersion, "/controls/settings/{pk}/"),
], ids=["SLA", "control settings"])
def test_settings_proposer_cannot_approve_a_second_person_can(propose_url, form, model, review_url, entity_de,
                                                              client_for):
    maker = _person("ida", Role.INTEGRATION_ADMIN, entity_de)
    checker = _person("sasha", Role.SYSTEM_ADMIN, entity_de)
    client_for(maker).post(propose_url, {**form, "legal_entity": str(entity_de.pk)})
    version = model.objects.get(status=VersionStatus.PROPOSED)

    client_for(maker).post(review_url.format(pk=version.pk), {"decision": "approve", "note": "mine"})
    client_for(maker).post(review_url.format(pk=version.pk), {"decision": "reject", "note": "mine"})

    assert model.objects.get(pk=version.pk).status == VersionStatus.PROPOSED
    assert _approvals(version) == []

    client_for(checker).post(review_url.format(pk=version.pk), {"decision": "approve", "note": "agreed"})

    version.refresh_from_db()
    assert (version.status, version.proposed_by, version.reviewed_by) == (VersionStatus.APPROVED, maker, checker)


# --- supplier bank details ---------------------------------------------------------------------------------

def test_bank_detail_requester_cannot_approve_a_second_person_can(entity_de, entity_us, client_for):
    stage = Stage(None, entity_de, entity_us)
    account = pending_bank_account(stage)
    maker, checker = stage.maker(Role.CONTROLLER), _person("theo", Role.TREASURY_OPS, entity_de)

    client_for(maker).post("/controls/suppliers/bank-accounts/", {"account": account.pk, "decision": "approve",
                                                                  "note": "I called them"})

    assert SupplierBankAccount.objects.get(pk=account.pk).status == "pending_approval"
    assert _approvals(account) == []

    client_for(checker).post("/controls/suppliers/bank-accounts/", {"account": account.pk, "decision": "approve",
                                                                    "note": "Called back on a known number"})

    account.refresh_from_db()
    assert (account.status, account.requested_by, account.approved_by) == ("active", maker, checker)


# --- payment batch release ---------------------------------------------------------------------------------

def test_batch_creator_cannot_release_on_the_page_or_the_api_a_second_person_can(entity_de, entity_us, client_for):
    stage = Stage(None, entity_de, entity_us)
    batch = pending_batch(stage)
    maker, checker = stage.maker(Role.TREASURY_OPS), _person("tara", Role.TREASURY_OPS, entity_de)

    client_for(maker).post(f"/controls/payments/batches/{batch.pk}/", {"action": "release"})
    api = _api(maker, entity_de).post(f"/api/v1/payment-batches/{batch.pk}/release/", format="json")

    assert api.status_code == 403
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.PENDING_RELEASE
    assert _approvals(batch) == []

    released = _api(checker, entity_de).post(f"/api/v1/payment-batches/{batch.pk}/release/", format="json")

    batch.refresh_from_db()
    assert released.status_code == 200
    assert (batch.status, batch.created_by, batch.released_by) == (BatchStatus.RELEASED, maker, checker)


# --- replay with an edited payload -------------------------------------------------------------------------

def test_payload_editor_cannot_approve_the_replay_a_second_person_can(entity_de, entity_us, client_for):
    stage = Stage(None, entity_de, entity_us)
    case = _case(stage)
    maker, checker = _person("ida", Role.INTEGRATION_ADMIN, entity_de), _person("clara", Role.CONTROLLER, entity_de)
    corrected = {"number": "JE-1", "lines": [{"account": "400100"}]}
    client_for(maker).post(f"/workbench/{case.pk}/edit/", {"payload": json.dumps(corrected),
                                                           "version_choice": "current", "note": "Lines were missing"})
    edit = PayloadEdit.objects.get(case=case)

    own = client_for(maker).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/", {"decision": "approve"})

    record = SyncRecord.objects.get(pk=case.sync_record_id)
    assert own.status_code == 403
    assert (PayloadEdit.objects.get(pk=edit.pk).status, record.edited_payload, record.status) == (
        VersionStatus.PROPOSED, None, "exception")
    assert _approvals(edit) == []

    client_for(checker).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/", {"decision": "approve", "note": "ok"})

    record.refresh_from_db()
    assert PayloadEdit.objects.get(pk=edit.pk).reviewed_by == checker
    assert (record.edited_payload, record.status) == (corrected, "retry_wait")


# --- the admin ---------------------------------------------------------------------------------------------

MAKER_CHECKER_MODELS = [MappingVersion, SlaVersion, ControlSettingsVersion, PayloadEdit, SupplierBankAccount,
                        PaymentBatch]
WORKFLOW_FIELDS = {"status", "proposed_by", "reviewed_by", "requested_by", "approved_by", "created_by",
                   "released_by", "approved_at", "released_at", "reviewed_at", "spec", "payload", "iban"}


def _admins_of(model):
    """Every ModelAdmin or inline through which the admin shows `model`."""
    for registered, model_admin in admin.site._registry.items():
        if registered is model:
            yield model_admin
        for inline in model_admin.get_inline_instances(_superuser_request()):
            if inline.model is model:
                yield inline


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = type("Superuser", (), {"is_active": True, "is_staff": True, "is_superuser": True,
                                          "has_perm": lambda *a, **k: True, "pk": 0})()
    return request


@pytest.mark.parametrize("model", MAKER_CHECKER_MODELS, ids=lambda m: m._meta.label)
def test_the_admin_cannot_change_either_side_of_a_maker_checker_object(model):
    """Not even a superuser: no add, no delete, and no editable workflow field on any admin page or inline."""
    request = _superuser_request()
    places = list(_admins_of(model))
    assert places, f"{model._meta.label} should be visible (read-only) in the admin"
    for place in places:
        inline = hasattr(place, "parent_model")
        assert not (place.has_add_permission(request, None) if inline else place.has_add_permission(request)), place
        shown = {f.name for f in model._meta.fields} & set(place.get_fields(request))
        editable = shown - set(place.get_readonly_fields(request)) if place.has_change_permission(request, None) \
            else set()
        assert editable & WORKFLOW_FIELDS == set(), f"{place}: {editable}"
        assert not place.has_delete_permission(request, None) or getattr(place, "can_delete", True) is False, place


def test_a_maker_who_is_superuser_still_cannot_approve_in_the_admin(entity_de, entity_us, client_for):
    stage = Stage(None, entity_de, entity_us)
    account = pending_bank_account(stage)
    batch = pending_batch(stage)
    for maker in (stage.maker(Role.CONTROLLER), stage.maker(Role.TREASURY_OPS)):
        type(maker).objects.filter(pk=maker.pk).update(is_superuser=True)
    client = client_for(stage.maker(Role.CONTROLLER))

    answers = [client.post(f"/admin/masterdata/supplierbankaccount/{account.pk}/change/",
                           {"status": "active", "approved_by": stage.maker(Role.TREASURY_OPS).pk}).status_code,
               client_for(stage.maker(Role.TREASURY_OPS)).post(
                   f"/admin/treasury/paymentbatch/{batch.pk}/change/", {"status": "released"}).status_code]

    assert answers == [403, 403]
    assert SupplierBankAccount.objects.get(pk=account.pk).status == "pending_approval"
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.PENDING_RELEASE


# --- the API: every write operation is classified -------------------------------------------------------------

# Unsafe API operations on a maker-checker object, with the test above that proves the four eyes through them.
API_MAKER_CHECKER = {
    "post /api/v1/mapping-versions/": "mapping drafts (the drafter is a maker)",
    "put /api/v1/mapping-versions/{id}/": "mapping drafts (the editor is a maker)",
    "patch /api/v1/mapping-versions/{id}/": "mapping drafts (the editor is a maker)",
    "post /api/v1/mapping-versions/{id}/propose/": "mapping proposal",
    "post /api/v1/mapping-versions/{id}/approve/": "mapping approval",
    "post /api/v1/mapping-versions/{id}/reject/": "mapping rejection",
    "post /api/v1/mapping-versions/{id}/withdraw/": "the proposer only",
    "post /api/v1/mappings/{id}/import/": "mapping drafts (the importer is a maker)",
    "post /api/v1/payment-batches/": "batch creation (the creator is the maker: tests/controls/test_batch_api.py)",
    "post /api/v1/payment-batches/{id}/release/": "batch release",
}
# Writes that are not one side of a maker-checker pair (one person's action, capability- and entity-checked).
API_SINGLE_PERSON = {
    "post /api/v1/bank-files/", "post /api/v1/canonical-schemas/{canonical_type}/{version}/validate/",
    "post /api/v1/connectors/{id}/disable/", "post /api/v1/connectors/{id}/enable/",
    "post /api/v1/connectors/{id}/run/", "post /api/v1/connectors/{id}/test-connection/",
    "post /api/v1/exceptions/{id}/assign/", "post /api/v1/exceptions/{id}/claim/",
    "post /api/v1/exceptions/{id}/ignore/", "post /api/v1/exceptions/{id}/resolve/",
    "post /api/v1/inbound/{connector}/events", "post /api/v1/mappings/{id}/preview/",
    "post /api/v1/reconciliation-matches/", "post /api/v1/reconciliation-matches/{id}/confirm/",
    "post /api/v1/reconciliation-matches/{id}/undo/",
    # replays without a payload change (the edited-payload replay exists only as a four-eyes page action)
    "post /api/v1/records/{id}/replay/", "post /api/v1/records/replay/", "post /api/v1/workbench/bulk/",
    "post /api/v1/workbench/exceptions/{id}/replay/",
}


def test_every_api_write_is_classified_and_none_bypasses_a_maker_checker_object():
    writes = {f"{m} {p}" for m, p in schema_operations() if m in UNSAFE and not p.startswith("/api/v1/sandbox/")}

    assert writes - set(API_MAKER_CHECKER) - API_SINGLE_PERSON == set(), "classify these API writes"
    assert set(API_MAKER_CHECKER) | API_SINGLE_PERSON <= writes
    # SLA and control settings, supplier bank details and payload edits have no API write at all
    assert [w for w in writes if any(word in w for word in ("sla", "control", "bank-account", "edit", "payload"))] \
        == []
