"""Actions on one exception from its detail page: resolve, ignore, assign, claim, replay (with dry run),
edit the payload under four-eyes. Capability and entity scope are enforced by the services."""

import json

import pytest

from apps.audit.models import AuditEvent
from apps.exceptions.models import ExceptionCase
from apps.sync.models import SyncRecord
from apps.workbench.models import PayloadEdit

from .conftest import make_case

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _post(client, case, name, data=None, **extra):
    return client.post(f"/workbench/{case.pk}/{name}/", data or {}, **extra)


def test_controller_resolves_with_a_reason_and_comment(client_for, controller, entity_de):
    case = make_case(entity_de, "JE-1")
    client = client_for(controller)

    response = _post(client, case, "resolve",
                     {"reason_code": "fixed_at_source", "note": "Corrected in SAP"}, **HTMX)

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/workbench/{case.pk}/"
    case.refresh_from_db()
    assert (case.status, case.resolution_code, case.resolution_note, case.resolved_by) == (
        "resolved", "fixed_at_source", "Corrected in SAP", controller)
    event = AuditEvent.objects.get(action="exception.resolved")
    assert (event.actor, event.object_id, event.reason) == (controller, str(case.pk), "Corrected in SAP")
    page = client.get(f"/workbench/{case.pk}/").content.decode()
    assert f"Exception #{case.pk} resolved." in page
    assert "This exception is resolved. Actions apply to open exceptions." in page


def test_a_refused_action_explains_itself_and_changes_nothing(client_for, controller, entity_de):
    case = make_case(entity_de, "JE-1")
    events = AuditEvent.objects.count()

    other_without_note = _post(client_for(controller), case, "resolve", {"reason_code": "other", "note": ""}, **HTMX)
    short = _post(client_for(controller), case, "ignore", {"justification": "meh"}, **HTMX)
    bad_reason = _post(client_for(controller), case, "resolve", {"reason_code": "auto_resolved"}, **HTMX)

    assert "Say what was done" in other_without_note.content.decode()
    assert "at least 10 characters" in short.content.decode()
    assert "Reason: Select a valid choice" in bad_reason.content.decode()
    assert ExceptionCase.objects.get(pk=case.pk).status == "open"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("name", "data"), [
    ("resolve", {"reason_code": "fixed_at_source"}),
    ("ignore", {"justification": "Known test supplier, no payment"}),
    ("claim", {}),
    ("replay", {"version_choice": "current"}),
])
def test_auditor_sees_no_buttons_and_is_refused(client_for, auditor, entity_de, erp_connector, name, data):
    case = make_case(entity_de, "JE-1", connector=erp_connector)

    page = client_for(auditor).get(f"/workbench/{case.pk}/")
    response = _post(client_for(auditor), case, name, data)

    assert page.status_code == 200
    assert "Read-only: your role can see this exception but not act on it." in page.content.decode()
    assert f'action="/workbench/{case.pk}/{name}/"' not in page.content.decode()
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.status, case.owner) == ("open", None)
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "exception"
    assert not AuditEvent.objects.filter(actor=auditor).exists()


def test_another_entitys_exception_answers_404_to_every_action(client_for, outsider, entity_de):
    case = make_case(entity_de, "JE-1")

    for name in ["resolve", "ignore", "claim", "assign", "replay", "edit"]:
        assert _post(client_for(outsider), case, name, {"reason_code": "fixed_at_source"}).status_code == 404
    assert _post(client_for(outsider), case, "replay/preview").status_code == 404
    assert ExceptionCase.objects.get(pk=case.pk).status == "open"


def test_claim_then_assign_to_a_colleague_of_the_same_entity(client_for, controller, treasury_operator, outsider,
                                                             entity_de):
    case = make_case(entity_de, "JE-1")

    claimed = _post(client_for(controller), case, "claim", **HTMX)
    second_claim = _post(client_for(treasury_operator), case, "claim", **HTMX)
    to_outsider = _post(client_for(controller), case, "assign", {"owner": outsider.pk}, **HTMX)
    to_theo = _post(client_for(controller), case, "assign", {"owner": treasury_operator.pk}, **HTMX)

    assert claimed.status_code == 204
    assert "already owns" in second_claim.content.decode()
    assert "Select a valid choice" in to_outsider.content.decode()  # not offered: another entity
    assert to_theo.status_code == 204
    case.refresh_from_db()
    assert (case.status, case.owner) == ("assigned", treasury_operator)
    assert list(AuditEvent.objects.filter(object_id=str(case.pk)).order_by("id").values_list("action", "actor")) == [
        ("exception.raised", None), ("exception.claimed", controller.pk), ("exception.assigned", controller.pk)]


def test_replay_dry_run_says_what_would_happen_and_changes_nothing(client_for, controller, entity_de, erp_connector):
    case = make_case(entity_de, "JE-1", connector=erp_connector)

    preview = _post(client_for(controller), case, "replay/preview", {"version_choice": "original"}, **HTMX)

    body = preview.content.decode()
    assert "Dry run: a replay would fail again: no approved mapping for ops-events journal_entry" in body
    assert "Nothing was changed." in body
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "exception"
    assert not AuditEvent.objects.filter(action="record.replayed").exists()


def test_replay_queues_a_new_attempt_with_the_chosen_version(client_for, controller, entity_de, erp_connector,
                                                             django_capture_on_commit_callbacks):
    case = make_case(entity_de, "JE-1", connector=erp_connector)

    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client_for(controller), case, "replay", {"version_choice": "original", "reason": "fixed"},
                         **HTMX)

    assert response.status_code == 204
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "retry_wait"
    event = AuditEvent.objects.get(action="record.replayed")
    assert (event.actor, event.after, event.reason) == (controller, {"version_choice": "original"}, "fixed")
    assert len(callbacks) == 1  # the replay task is sent after commit


def test_payload_edit_needs_a_second_person_and_keeps_the_original(client_for, controller, treasury_operator,
                                                                   entity_de, erp_connector,
                                                                   django_capture_on_commit_callbacks):
    case = make_case(entity_de, "JE-1", connector=erp_connector)
    record = case.sync_record
    original = dict(record.payload)
    corrected = {**original, "number": "JE-1-FIXED"}

    proposed = _post(client_for(controller), case, "edit", {"payload": json.dumps(corrected), "note": "typo in number",
                                                            "version_choice": "current"}, **HTMX)
    edit = PayloadEdit.objects.get()
    self_approval = client_for(controller).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/",
                                                {"decision": "approve"}, **HTMX)
    record.refresh_from_db()
    assert proposed.status_code == 204
    assert "someone else must approve" in self_approval.content.decode()
    assert (edit.status, edit.payload_before, edit.payload) == ("proposed", original, corrected)
    assert (record.status, record.edited_payload) == ("exception", None)

    with django_capture_on_commit_callbacks() as callbacks:
        approved = client_for(treasury_operator).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/",
                                                      {"decision": "approve", "note": "checked"}, **HTMX)

    assert approved.status_code == 204
    record.refresh_from_db()
    edit.refresh_from_db()
    assert (edit.status, edit.proposed_by, edit.reviewed_by) == ("approved", controller, treasury_operator)
    assert (record.payload, record.edited_payload, record.status) == (original, corrected, "retry_wait")
    assert len(callbacks) == 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["workbench.payloadedit.proposed", "workbench.payloadedit.approved", "record.replayed"]
    page = client_for(controller).get(f"/workbench/{case.pk}/").content.decode()
    assert 'data-payload="raw"' in page
    assert 'data-payload="edited"' in page
    assert "JE-1-FIXED" in page


def test_payload_edit_refuses_invalid_json_and_unchanged_payloads(client_for, controller, entity_de, erp_connector):
    case = make_case(entity_de, "JE-1", connector=erp_connector)

    broken = _post(client_for(controller), case, "edit",
                   {"payload": "{'a': 1", "note": "x", "version_choice": "current"}, **HTMX)
    unchanged = _post(client_for(controller), case, "edit", {"payload": json.dumps(case.sync_record.payload),
                                                             "note": "x", "version_choice": "current"}, **HTMX)
    a_list = _post(client_for(controller), case, "edit", {"payload": "[1]", "note": "x", "version_choice": "current"},
                   **HTMX)

    assert "The payload is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)." \
        in broken.content.decode()
    assert "The payload is unchanged" in unchanged.content.decode()
    assert "must be a JSON object" in a_list.content.decode()
    assert not PayloadEdit.objects.exists()


def test_rejected_edit_is_kept_with_the_reviewers_note(client_for, controller, treasury_operator, entity_de,
                                                       erp_connector):
    case = make_case(entity_de, "JE-1", connector=erp_connector)
    _post(client_for(controller), case, "edit", {"payload": json.dumps({"number": "X"}), "note": "try",
                                                 "version_choice": "current"}, **HTMX)
    edit = PayloadEdit.objects.get()

    no_note = client_for(treasury_operator).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/",
                                                 {"decision": "reject"}, **HTMX)
    rejected = client_for(treasury_operator).post(f"/workbench/{case.pk}/edits/{edit.pk}/review/",
                                                  {"decision": "reject", "note": "wrong company"}, **HTMX)

    assert "Say why" in no_note.content.decode()
    assert rejected.status_code == 204
    edit.refresh_from_db()
    assert (edit.status, edit.review_note) == ("rejected", "wrong company")
    assert SyncRecord.objects.get(pk=case.sync_record_id).edited_payload is None
