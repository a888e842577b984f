"""Background jobs: started by a person, run by the worker's code path, always ending in a definite state."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.errors import DomainError
from apps.jobs.choices import JobStatus
from apps.jobs.models import Job, JobLogEntry
from apps.jobs.registry import job_handler
from apps.jobs.services import MAX_RUNS, job_run, job_start, jobs_sweep

pytestmark = pytest.mark.django_db


@job_handler("tests.count")
def count(job, report) -> dict:
    total = job.params["n"]
    for done in range(1, total + 1):
        report.progress(done, total, force=True)
    report.log(f"counted to {total}")
    return {"counted": total, "notes": ["Nothing was skipped."],
            "links": [{"label": "Open the workbench", "url": "/workbench/"},
                      {"label": "Elsewhere", "url": "https://example.com/"}]}


@job_handler("tests.refuse")
def refuse(job, report) -> dict:
    raise DomainError("The filter matches exceptions of an entity you cannot see.")


@job_handler("tests.crash")
def crash(job, report) -> dict:
    raise RuntimeError("secret internals: password=hunter2")


def test_starting_a_job_stores_and_audits_it(controller, entity_de, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = job_start(kind="tests.count", label="Count to three", params={"n": 3}, actor=controller,
                        legal_entity=entity_de)

    assert (job.status, job.created_by, job.progress_done) == (JobStatus.QUEUED, controller, 0)
    assert len(callbacks) == 1  # the task is sent only once the job row is committed
    event = AuditEvent.objects.get(action="job.started")
    assert (event.actor, event.after) == (controller, {"kind": "tests.count", "params": {"n": 3}})


def test_an_unknown_kind_is_refused_and_nothing_is_stored(controller):
    with pytest.raises(DomainError) as refused:
        job_start(kind="tests.nope", label="?", params={}, actor=controller)

    assert refused.value.code == "unknown_job"
    assert not Job.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_job_runs_to_its_summary_once(controller):
    job = job_start(kind="tests.count", label="Count", params={"n": 4}, actor=controller)

    assert job_run(job.pk) == JobStatus.SUCCEEDED
    assert job_run(job.pk) == "skipped"  # a redelivered task does not run it twice

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.runs) == (JobStatus.SUCCEEDED, 4, 4, 1)
    assert job.result["counted"] == 4
    assert list(job.log_entries.values_list("message", flat=True)) == ["counted to 4"]


def test_a_refusal_fails_the_job_with_its_message(controller):
    job = job_start(kind="tests.refuse", label="Refuse", params={}, actor=controller)

    assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert job.error == "The filter matches exceptions of an entity you cannot see."
    assert job.finished_at is not None


def test_a_crash_fails_the_job_without_showing_internals(controller):
    job = job_start(kind="tests.crash", label="Crash", params={}, actor=controller)

    assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert "internal error" in job.error
    assert "hunter2" not in job.error
    assert not JobLogEntry.objects.filter(message__contains="hunter2").exists()


def test_the_sweeper_restarts_a_job_whose_worker_died_and_gives_up_after_three(controller, settings):
    job = job_start(kind="tests.count", label="Count", params={"n": 1}, actor=controller)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, runs=1, heartbeat_at=long_ago)

    assert jobs_sweep() == {"resent": 1, "failed": 0}
    assert job_run(job.pk) == JobStatus.SUCCEEDED  # the re-sent task takes it over
    job.refresh_from_db()
    assert job.runs == 2
    assert "started again" in job.log_entries.first().message

    dead = job_start(kind="tests.count", label="Count", params={"n": 1}, actor=controller)
    Job.objects.filter(pk=dead.pk).update(status=JobStatus.RUNNING, runs=MAX_RUNS, heartbeat_at=long_ago)
    assert jobs_sweep() == {"resent": 0, "failed": 1}
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert job_run(dead.pk) == "skipped"


def test_the_page_polls_while_active_and_shows_the_summary_when_done(controller, client_for):
    job = job_start(kind="tests.count", label="Count to five", params={"n": 5}, actor=controller)
    client = client_for(controller)

    while_queued = client.get(f"/jobs/{job.pk}/progress").content.decode()
    job_run(job.pk)
    done = client.get(f"/jobs/{job.pk}/").content.decode()

    assert 'hx-trigger="every 1s"' in while_queued
    assert "Waiting for a worker" in while_queued
    assert 'hx-trigger="every 1s"' not in done
    assert "5 of 5 items" in done
    assert "Counted" in done
    assert "Nothing was skipped." in done
    assert 'href="/workbench/"' in done
    assert "example.com" not in done  # only relative links from a handler


def test_other_people_get_404_and_system_admins_see_every_job(controller, outsider, django_user_model):
    job = job_start(kind="tests.count", label="Count", params={"n": 1}, actor=controller)
    admin = django_user_model.objects.create_superuser("root", password="x")  # noqa: S106
    other, root = Client(), Client()
    other.force_login(outsider)
    root.force_login(admin)

    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert other.get("/api/v1/jobs/").json()["results"] == []
    assert root.get(f"/jobs/{job.pk}/").status_code == 200
    assert root.get(f"/api/v1/jobs/{job.pk}/").json()["label"] == "Count"


def test_the_api_gives_progress_and_log(controller, client_for):
    job = job_start(kind="tests.count", label="Count", params={"n": 2}, actor=controller)
    job_run(job.pk)

    body = client_for(controller).get(f"/api/v1/jobs/{job.pk}/").json()

    assert {k: body[k] for k in ("status", "progress_done", "progress_total", "percent", "created_by")} == {
        "status": "succeeded", "progress_done": 2, "progress_total": 2, "percent": 100, "created_by": "clara"}
    assert [line["message"] for line in body["log"]] == ["counted to 2"]


def test_my_jobs_lists_only_mine_with_a_helpful_empty_state(controller, outsider, client_for):
    job_start(kind="tests.count", label="Count for Clara", params={"n": 1}, actor=controller)

    mine = client_for(controller).get("/jobs/").content.decode()
    theirs = client_for(outsider).get("/jobs/").content.decode()

    assert "Count for Clara" in mine
    assert "Count for Clara" not in theirs
    assert "No jobs yet" in theirs
