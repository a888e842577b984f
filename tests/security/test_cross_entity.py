"""Every entity-scoped query tried from another legal entity: page actions, detail pages, lists, exports (CSV,
XLSX, audit, close evidence), chart JSON, API lists and bulk-over-filter. Another entity's object answers 404 (its
existence does not leak), nothing of it is changed, and no list, export or chart contains or counts it.
(API paths with another entity's object: test_access_matrix.test_objects_of_another_entity_answer_404.)"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.dashboard.widgets import WIDGETS
from apps.exceptions.models import ExceptionCase
from apps.jobs.models import Job
from apps.masterdata.models import Supplier
from tests.conftest import PASSWORD

from .api_ops import schema_operations
from .page_actions import (
    ANY_ROLE,
    PAGE_ACTIONS,
    Stage,
    _case,
    _statement_with_matches,
    duplicate_case,
    pending_batch,
    proposed_settings,
    proposed_sla,
)
from .pages import page_routes

pytestmark = pytest.mark.django_db
MARK = "DESECRET"
# Actions that touch no entity's data: the person's own saved views and tokens, and group-wide configuration
# (mappings and connectors are shared infrastructure: docs/ACCESS.md).
ENTITY_NEUTRAL = {"saved view save", "saved view delete own", "saved view delete another's", "token revoke own",
                  "mapping draft new",
                  "mapping draft edit", "mapping import", "mapping propose", "mapping approve", "mapping reject",
                  "mapping withdraw another's", "connector run now", "connector disable", "connector test",
                  "connector schedule"}


@pytest.fixture
def outsider_all(entity_us):
    """Every role at once, but only for the US entity: whatever refuses below is the entity scope."""
    return user_create(username="uma-all", password=PASSWORD, roles=list(Role.values), entities=[entity_us])


@pytest.mark.parametrize("action", [a for a in PAGE_ACTIONS if a.key not in ENTITY_NEUTRAL],
                         ids=lambda a: a.key.replace(" ", "-"))
def test_no_page_action_reaches_another_entitys_object(action, entity_de, entity_us, outsider_all, client_for):
    staged = action.stage(Stage(outsider_all, entity_de, entity_us))
    seen = set(AuditEvent.objects.values_list("pk", flat=True))

    response = client_for(outsider_all).post(staged.url, staged.data)

    assert response.status_code < 500
    assert not staged.done(), f"{action.key} changed another entity's data"
    assert not AuditEvent.objects.exclude(pk__in=seen).filter(action=staged.audit).exists()
    if any(isinstance(v, int) for v in (response.resolver_match.kwargs or {}).values()) \
            and action.capability != ANY_ROLE:
        assert response.status_code == 404, f"{action.key}: {response.status_code}, not 404"


def _detail_urls(stage: Stage) -> dict[str, str]:
    """One URL per entity-scoped GET page that names an object (or an entity) of `stage.entity`."""
    case = _case(stage, f"{MARK}-D1")
    statement = _statement_with_matches(stage)
    batch = pending_batch(stage)
    dup = duplicate_case(stage, "777")
    job = Job.objects.create(kind="controls.duplicate_report", label="x", created_by=stage.maker(Role.CONTROLLER),
                             legal_entity=stage.entity, params={})
    event = audit_record(action="test.marker", actor=stage.maker(Role.CONTROLLER), obj=case,
                         legal_entity=stage.entity)
    return {
        "workbench:detail": reverse("workbench:detail", args=[case.pk]),
        "workbench:row": reverse("workbench:row", args=[case.pk]),
        "audit:detail": reverse("audit:detail", args=[event.pk]),
        "banking:statement": reverse("banking:statement", args=[statement.pk]),
        "banking:payment": reverse("banking:payment", args=[batch.payments.get().pk]),
        "controls:settings_version": reverse("controls:settings_version", args=[proposed_settings(stage).pk]),
        "controls:supplier_duplicate": reverse("controls:supplier_duplicate", args=[dup.pk]),
        "controls:payment_batch": reverse("controls:payment_batch", args=[batch.pk]),
        "jobs:detail": reverse("jobs:detail", args=[job.pk]),
        "jobs:progress": reverse("jobs:progress", args=[job.pk]),
        "sla:version": reverse("sla:version", args=[proposed_sla(stage).pk]),
        "mappings:sample": _mapping_sample_url(stage, case),
        "close:readiness": f"{reverse('close:readiness')}?entity={stage.entity.code}",
        "close:evidence-csv": f"{reverse('close:evidence-csv')}?entity={stage.entity.code}",
        "close:evidence-pdf": f"{reverse('close:evidence-pdf')}?entity={stage.entity.code}",
        "dashboard-widget": f"{reverse('dashboard-widget', args=['exceptions-by-age'])}"
                                      f"?entity={stage.entity.pk}",
    }


def _mapping_sample_url(stage: Stage, case: ExceptionCase) -> str:
    from .page_actions import journal_mapping

    mapping = journal_mapping(stage).mapping
    return f"{reverse('mappings:sample', args=[mapping.pk])}?record={case.sync_record_id}"


# Routes with arguments that are not entity-scoped objects: group-wide configuration, slugs and formats.
GROUP_WIDE = {"connectors:detail", "mappings:new", "mappings:edit", "mappings:version", "mappings:export-json",
              "mappings:export-csv", "dashboard", "workbench:export"}


def test_every_page_route_with_an_object_is_tried_across_entities(entity_de, entity_us, outsider_all):
    named = set(_detail_urls(Stage(outsider_all, entity_de, entity_us)))
    post_only = {a.route for a in PAGE_ACTIONS} | {"workbench:replay-preview", "mappings:preview"}
    with_args = {name for _, name, has_args in page_routes() if has_args}

    assert with_args - named - post_only - GROUP_WIDE == set()


def test_another_entitys_detail_pages_and_evidence_answer_404(entity_de, entity_us, outsider_all, client_for):
    urls = _detail_urls(Stage(outsider_all, entity_de, entity_us))
    outsider, insider = client_for(outsider_all), client_for(_insider(entity_de))

    answers = {name: outsider.get(url).status_code for name, url in urls.items()}
    own = {name: insider.get(url).status_code for name, url in urls.items()}

    assert {name: code for name, code in answers.items() if code != 404} == {}
    assert {name: code for name, code in own.items() if code not in (200, 204)} == {}, "the URLs must be real"


def _insider(entity):
    return user_create(username="clara-all", password=PASSWORD, roles=list(Role.values), entities=[entity])


def _world_with_marks(stage: Stage) -> None:
    _case(stage, f"{MARK}-1")
    Supplier.objects.create(legal_entity=stage.entity, number=f"{MARK}-S", name=f"{MARK} Supplier", country="DE")
    batch = pending_batch(stage)
    type(batch).objects.filter(pk=batch.pk).update(reference=f"{MARK}-B1")
    proposed_sla(stage)
    audit_record(action="test.marker", actor=stage.maker(Role.CONTROLLER), legal_entity=stage.entity,
                 reason=f"{MARK} reason")


def _body(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # XLSX: the strings live in a zip
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return b"".join(book.read(n) for n in book.namelist() if n.endswith(".xml"))
    return body


SEARCH = MARK[:-2]  # matches the marks without the page echoing a whole mark back in its search box
EXPORTS = ["/workbench/export.csv?status=open&status=assigned&status=resolved&status=ignored",
           "/workbench/export.xlsx?status=open", "/audit/export.csv", f"/audit/?q={SEARCH}",
           f"/workbench/?q={SEARCH}", f"/bank/statements/?q={SEARCH}", f"/api/v1/exceptions/?q={SEARCH}"]


def _list_urls() -> list[str]:
    pages = [reverse(name) for _, name, has_args in page_routes() if not has_args]
    api = sorted({p for m, p in schema_operations() if m == "get" and "{" not in p
                  and not p.startswith(("/api/v1/sandbox/", "/api/v1/schema"))})
    return pages + api + EXPORTS


def test_lists_exports_and_api_lists_never_contain_another_entitys_rows(entity_de, entity_us, outsider_all,
                                                                       client_for):
    _world_with_marks(Stage(outsider_all, entity_de, entity_us))
    outsider, insider = client_for(outsider_all), client_for(_insider(entity_de))
    urls = _list_urls()

    leaks = [url for url in urls if MARK.encode() in _body(outsider.get(url))]
    shown = [url for url in urls if MARK.encode() in _body(insider.get(url))]

    assert leaks == []
    assert {"/api/v1/exceptions/", "/api/v1/suppliers/", "/api/v1/payment-batches/", "/audit/export.csv",
            EXPORTS[0], EXPORTS[1], f"/workbench/?q={SEARCH}", f"/audit/?q={SEARCH}"} <= set(shown), \
        "the marks must be visible to DE"


SHARED_WIDGETS = {"connector-health"}  # connectors are group-wide infrastructure, not entity data


def _charts(client) -> dict[str, object]:
    got = {}
    for name in sorted(set(WIDGETS) - SHARED_WIDGETS):
        data = json.loads(client.get(reverse("dashboard-widget", args=[name])).content)
        got[name] = {"html": data.get("html"), "figures": data.get("figures")}
    return got


def test_charts_do_not_count_another_entitys_data(entity_de, entity_us, outsider_all, client_for):
    outsider = client_for(outsider_all)
    before = _charts(outsider)

    _world_with_marks(Stage(outsider_all, entity_de, entity_us))
    _statement_with_matches(Stage(outsider_all, entity_de, entity_us))

    assert _charts(outsider) == before
    assert _charts(client_for(_insider(entity_de)))["exceptions-by-age"] != before["exceptions-by-age"]


def test_bulk_over_a_filter_acts_on_own_entities_only(entity_de, entity_us, outsider_all, client_for):
    stage = Stage(outsider_all, entity_de, entity_us)
    de_case = _case(stage, "DE-BULK")
    us_case = _case(Stage(outsider_all, entity_us, entity_de), "US-BULK")
    client = client_for(outsider_all)
    api = APIClient()
    api.force_authenticate(outsider_all)

    page = client.post("/workbench/bulk/", {"action": "resolve", "scope": "filter", "query": "",
                                            "reason_code": "fixed_at_source", "note": "all of them"})
    by_api = api.post("/api/v1/workbench/bulk/", {"action": "resolve", "query": "",
                                                  "data": {"reason_code": "fixed_at_source"}}, format="json")

    assert page.status_code == 302
    assert by_api.status_code == 202
    assert [job.params["ids"] for job in Job.objects.order_by("pk")] == [[us_case.pk], [us_case.pk]]
    de_case.refresh_from_db()
    assert de_case.status == "open"
