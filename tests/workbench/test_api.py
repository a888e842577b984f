"""The workbench API: replay one exception's record (dry run or real) and start bulk actions, with the same
capability and scope rules as the pages."""

import pytest
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.exceptions.models import ExceptionCase
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.sync.models import SyncRecord

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_replay_dry_run_then_replay_over_the_api(controller, entity_de, erp_connector):
    case = make_case(entity_de, "JE-1", connector=erp_connector)
    url = f"/api/v1/workbench/exceptions/{case.pk}/replay/"

    dry = _api(controller).post(url, {"version_choice": "original", "dry_run": True}, format="json")
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "exception"
    real = _api(controller).post(url, {"reason": "fixed upstream"}, format="json")

    assert dry.status_code == 200
    assert dry.json() == {"exception_id": case.pk, "record_id": case.sync_record_id, "dry_run": True,
                          "would": "fail again: no approved mapping for ops-events journal_entry is in effect"}
    assert (real.status_code, real.json()["dry_run"]) == (200, False)
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "retry_wait"
    assert AuditEvent.objects.get(action="record.replayed").reason == "fixed upstream"


def test_replay_is_refused_to_auditors_and_hidden_from_other_entities(auditor, outsider, entity_de, erp_connector):
    case = make_case(entity_de, "JE-1", connector=erp_connector)
    url = f"/api/v1/workbench/exceptions/{case.pk}/replay/"

    by_auditor = _api(auditor).post(url, {}, format="json")
    by_outsider = _api(outsider).post(url, {}, format="json")

    assert (by_auditor.status_code, by_auditor.json()["code"]) == (403, "forbidden")
    assert by_outsider.status_code == 404
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "exception"


def test_bulk_over_a_filter_starts_a_job_and_reports(controller, entity_de, entity_us):
    high = [make_case(entity_de, f"JE-{n}") for n in range(2)]
    make_case(entity_de, "INV-1", kind="invoice.match")
    make_case(entity_us, "JE-US")

    response = _api(controller).post("/api/v1/workbench/bulk/", {
        "action": "resolve", "query": "severity=high", "data": {"reason_code": "fixed_at_source", "note": "api"}},
        format="json")

    job = Job.objects.get()
    assert response.status_code == 202
    assert response.json() == {"job_id": job.pk, "total": 2, "url": f"/api/v1/jobs/{job.pk}/"}
    job_run(job.pk)
    assert set(ExceptionCase.objects.filter(status="resolved").values_list("pk", flat=True)) == {c.pk for c in high}
    assert _api(controller).get(f"/api/v1/jobs/{job.pk}/").json()["result"]["resolved"] == 2


def test_bulk_refusals_over_the_api(controller, auditor, entity_de):
    case = make_case(entity_de, "JE-1")

    by_auditor = _api(auditor).post("/api/v1/workbench/bulk/", {"action": "claim", "ids": [case.pk]}, format="json")
    bad_input = _api(controller).post("/api/v1/workbench/bulk/", {"action": "ignore", "ids": [case.pk],
                                                                  "data": {"justification": ""}}, format="json")
    unknown = _api(controller).post("/api/v1/workbench/bulk/", {"action": "delete", "ids": [case.pk]},
                                    format="json")

    assert by_auditor.status_code == 403
    assert (bad_input.status_code, bad_input.json()["code"]) == (400, "invalid_input")
    assert unknown.status_code == 400
    assert not Job.objects.exists()
