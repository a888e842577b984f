"""Workbench and connector pages: scoping, filters in the URL, empty states, query budget, real browser."""

import pytest

from apps.connectors.models import Connector
from apps.demo.services import demo_seed
from apps.exceptions.services import exception_raise
from tests.browser import nav_go, screenshot_path


def _case(entity, reference, kind="invoice.duplicate", **kw):
    return exception_raise(kind=kind, message=f"Invoice {reference} for 100.00 EUR already exists",
                           reference=reference, legal_entity=entity, record_type="invoice", **kw)


@pytest.mark.django_db
def test_workbench_lists_only_the_users_entities_and_hides_others_details(client_for, controller, outsider,
                                                                          entity_de, entity_us):
    mine = _case(entity_de, "INV-DE-1")
    theirs = _case(entity_us, "INV-US-1")

    page = client_for(controller).get("/workbench/")

    assert [c.pk for c in page.context["page"].rows] == [mine.pk]
    assert client_for(controller).get(f"/workbench/{theirs.pk}/").status_code == 404
    assert client_for(outsider).get(f"/workbench/{mine.pk}/").status_code == 404
    detail = client_for(controller).get(f"/workbench/{mine.pk}/")
    assert detail.status_code == 200
    assert b"INV-DE-1" in detail.content


@pytest.mark.django_db
def test_filters_come_from_the_url(client_for, controller, entity_de):
    high = _case(entity_de, "INV-1")
    medium = _case(entity_de, "PO-7", kind="invoice.match")

    by_severity = client_for(controller).get("/workbench/", {"severity": "high"})
    by_text = client_for(controller).get("/workbench/", {"q": "PO-7"})
    resolved_only = client_for(controller).get("/workbench/", {"status": "resolved"})

    assert [c.pk for c in by_severity.context["page"].rows] == [high.pk]
    assert [c.pk for c in by_text.context["page"].rows] == [medium.pk]
    assert list(resolved_only.context["page"].rows) == []
    assert b"Nothing needs you here" in resolved_only.content


@pytest.mark.django_db
def test_workbench_query_budget_does_not_grow_with_rows(client_for, controller, entity_de,
                                                        django_assert_max_num_queries):
    for n in range(60):
        _case(entity_de, f"INV-{n}")
    client = client_for(controller)
    # Fixed cost: session and user, roles and entities, the bounded count, one page of rows, saved views
    # and the option lists of the dimension filters (source system, bank account, supplier, batch, period).
    with django_assert_max_num_queries(16):
        response = client.get("/workbench/")
    assert len(response.context["page"].rows) == 50
    # The option lists are cached per user for a minute (selectors.list_options): later pages skip those six.
    with django_assert_max_num_queries(10):
        again = client.get("/workbench/", {"severity": "high"})
    assert again.context["choices"] == response.context["choices"]
    assert [opt[:2] for opt in again.context["bulk_forms"]["assign"].fields["owner"].widget.choices] == [
        ("", "---------"), (controller.pk, controller.username)]
    with django_assert_max_num_queries(10):
        grouped = client.get("/workbench/", {"group": "fingerprint"})
    assert [g["cases"] for g in grouped.context["groups"]] == [60]


@pytest.mark.django_db
def test_connectors_page_shows_health_and_never_secrets(client_for, controller):
    demo_seed()
    response = client_for(controller).get("/connectors/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "SAP S/4HANA (sandbox)" in body
    assert "sandbox-erp-secret" not in body
    assert Connector.objects.get(code="sap-s4").credentials_encrypted not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_in_a_real_browser(page, live_server, login):
    from django.contrib.auth import get_user_model

    from apps.masterdata.models import LegalEntity

    demo_seed()
    de = LegalEntity.objects.get(code="DE01")
    for n in range(3):
        _case(de, f"INV-2026-{n:04d}")
    _case(de, "JE-4711", kind="journal.closed_period")
    login(page, "controller", "finsync-demo")
    assert get_user_model().objects.filter(username="controller").exists()

    nav_go(page, "Workbench")
    page.wait_for_selector("table.data")
    assert page.locator("table.data tbody tr").count() == 4
    page.screenshot(path=str(screenshot_path("workbench-list")), full_page=True)
    page.select_option("select[name=severity]", ["high"])
    page.click("button:has-text('Apply')")
    page.wait_for_url("**severity=high**")
    assert "severity=high" in page.url
    page.click("table.data tbody tr:first-child td:nth-child(2) a")
    page.wait_for_selector("h2:has-text('What went wrong')")
    page.screenshot(path=str(screenshot_path("workbench-detail")), full_page=True)

    nav_go(page, "Connectors")
    page.wait_for_selector("table.data")
    assert "SAP S/4HANA (sandbox)" in page.inner_text("table.data")
    page.screenshot(path=str(screenshot_path("connectors")), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_has_a_helpful_empty_state_in_a_real_browser(page, live_server, login, controller):
    """No data at all: each page says what will appear and why, instead of an empty frame."""
    login(page, "clara")  # a controller of an entity with no data yet

    for path, text, shot in [("/workbench/", "Nothing needs you here", "workbench-empty"),
                             ("/connectors/", "No connectors yet", "connectors-empty")]:
        page.goto(f"{live_server.url}{path}")
        assert text in page.inner_text("main")
        page.screenshot(path=str(screenshot_path(shot)), full_page=True)


@pytest.mark.django_db
def test_detail_lists_the_newest_related_cases_in_scope_and_caps_their_count(client_for, controller, entity_de,
                                                                            entity_us, monkeypatch):
    from apps.workbench import selectors

    monkeypatch.setattr(selectors, "RELATED_LIMIT", 2)  # stand in for 10 and 1,000 without writing 1,001 rows
    monkeypatch.setattr(selectors, "RELATED_COUNT_CAP", 3)
    cases = [_case(entity_de, f"INV-{n}", cause="same supplier, same amount") for n in range(5)]
    _case(entity_us, "INV-US", cause="same supplier, same amount")  # same problem, another entity: not shown
    client = client_for(controller)

    crowded = client.get(f"/workbench/{cases[0].pk}/")

    assert [r.pk for r in crowded.context["detail"].related] == [cases[4].pk, cases[3].pk]
    assert (crowded.context["detail"].related_count, crowded.context["detail"].related_capped) == (3, True)
    assert b"3+ other exceptions with the same fingerprint" in crowded.content
    monkeypatch.setattr(selectors, "RELATED_COUNT_CAP", 10)
    exact = client.get(f"/workbench/{cases[0].pk}/")
    assert (exact.context["detail"].related_count, exact.context["detail"].related_capped) == (4, False)
    assert b"4 other exceptions with the same fingerprint" in exact.content
