"""Bulk actions: over ticked rows or over everything matching the filter, as a background job that acts as
its starter through the same services, and says what it did and what it skipped (by reason)."""

import pytest

from apps.audit.models import AuditEvent
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_resolve
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.sync.models import SyncRecord

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _start(client, **data):
    return client.post("/workbench/bulk/", data)


def test_bulk_resolve_of_ticked_rows_runs_as_a_job_and_reports_skips(client_for, controller, entity_de):
    one, two, done_already = (make_case(entity_de, f"JE-{n}") for n in range(3))
    exception_resolve(case=done_already, reason_code="fixed_at_source", note="", actor=controller)

    response = _start(client_for(controller), action="resolve", scope="selected", reason_code="fixed_in_target",
                      note="bulk fix", ids=[one.pk, two.pk, done_already.pk])

    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == f"/jobs/{job.pk}/"
    assert (job.kind, job.created_by, job.progress_total, job.params["ids"]) == (
        "workbench.bulk_action", controller, 3, [one.pk, two.pk, done_already.pk])
    assert ExceptionCase.objects.get(pk=one.pk).status == "open"  # nothing happens before the job runs

    assert job_run(job.pk) == "succeeded"

    job.refresh_from_db()
    assert (job.progress_done, job.result["resolved"], job.result["skipped"]) == (3, 2, 1)
    assert job.result["notes"] == ["1 skipped: An exception that is resolved cannot become resolved."]
    assert set(ExceptionCase.objects.filter(resolution_note="bulk fix").values_list("pk", flat=True)) == {
        one.pk, two.pk}
    assert AuditEvent.objects.filter(action="exception.resolved", actor=controller, reason="bulk fix").count() == 2


def test_bulk_over_the_filter_touches_only_matching_cases_of_my_entities(client_for, controller, entity_de,
                                                                         entity_us):
    high = [make_case(entity_de, f"JE-{n}") for n in range(3)]  # journal.unbalanced: high
    medium = make_case(entity_de, "INV-9", kind="invoice.match")
    theirs = make_case(entity_us, "JE-US")

    _start(client_for(controller), action="ignore", scope="filter", query="severity=high",
           justification="Test postings from the sandbox", ids=[medium.pk])
    job = Job.objects.get()
    job_run(job.pk)

    job.refresh_from_db()
    assert (job.progress_total, job.result["ignored"], job.result["skipped"]) == (3, 3, 0)
    assert set(ExceptionCase.objects.filter(status="ignored").values_list("pk", flat=True)) == {c.pk for c in high}
    assert ExceptionCase.objects.get(pk=medium.pk).status == "open"
    assert ExceptionCase.objects.get(pk=theirs.pk).status == "open"
    assert job.result["links"] == [{"label": "Back to the workbench", "url": "/workbench/?severity=high"}]


def test_ticked_ids_of_another_entity_are_not_there(client_for, controller, entity_us):
    theirs = make_case(entity_us, "JE-US")

    response = _start(client_for(controller), action="claim", scope="selected", ids=[theirs.pk])

    assert response.status_code == 302
    assert not Job.objects.exists()
    page = client_for(controller).get(response.url)
    assert page.status_code == 200
    assert ExceptionCase.objects.get(pk=theirs.pk).owner is None


def test_bulk_refusals_before_any_job(client_for, controller, auditor, entity_de):
    case = make_case(entity_de, "JE-1")
    client = client_for(controller)

    by_auditor = _start(client_for(auditor), action="resolve", scope="selected", ids=[case.pk],
                        reason_code="fixed_at_source")
    nothing_ticked = _start(client, action="resolve", scope="selected", reason_code="fixed_at_source")
    no_action = _start(client, scope="selected", ids=[case.pk])
    bad_reason = _start(client, action="resolve", scope="selected", ids=[case.pk], reason_code="nope")

    assert by_auditor.status_code == 403
    messages = [str(m) for r in (nothing_ticked, no_action, bad_reason)
                for m in client.get(r.url).context["messages"]]
    assert messages == ["Select at least one exception, or choose everything matching the filter.",
                        "Choose an action to apply.", "Reason: Select a valid choice. nope is not one of the "
                                                      "available choices."]
    assert not Job.objects.exists()
    assert ExceptionCase.objects.get(pk=case.pk).status == "open"


def test_bulk_replay_dry_run_groups_what_would_happen(client_for, controller, entity_de, erp_connector):
    cases = [make_case(entity_de, f"JE-{n}", connector=erp_connector) for n in range(2)]
    no_record = make_case(entity_de, "JE-manual")

    _start(client_for(controller), action="replay", scope="selected", version_choice="current", dry_run="on",
           ids=[c.pk for c in [*cases, no_record]])
    job = Job.objects.get()
    job_run(job.pk)

    job.refresh_from_db()
    assert job.label == "Dry run: replay — 3 selected exceptions"
    assert (job.result["previewed"], job.result["skipped"]) == (2, 1)
    assert job.result["notes"] == [
        "2 would fail again: no approved mapping for ops-events journal_entry is in effect",
        "1 skipped: This exception has no record to replay; resolve it once the cause is fixed."]
    assert set(SyncRecord.objects.values_list("status", flat=True)) == {"exception"}
    assert not AuditEvent.objects.filter(action="record.replayed").exists()


def test_list_shows_checkboxes_and_bulk_bar_only_to_roles_that_act(client_for, controller, auditor, entity_de):
    make_case(entity_de, "JE-1")

    mine = client_for(controller).get("/workbench/").content.decode()
    read_only = client_for(auditor).get("/workbench/").content.decode()

    assert 'id="bulk-form"' in mine
    assert 'name="ids"' in mine
    assert 'id="bulk-form"' not in read_only
    assert 'name="ids"' not in read_only
