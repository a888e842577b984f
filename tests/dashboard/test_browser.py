"""Dashboards, SLA configuration and connector pages in a real headless Chromium, per role, with screenshots."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.connectors.models import Connector
from apps.demo.services import demo_seed
from apps.exceptions.services import exception_raise
from apps.governance.choices import VersionStatus
from apps.masterdata.models import LegalEntity
from apps.sla.evaluation import sla_evaluate
from apps.sla.models import SlaVersion
from apps.sla.rollup import flow_stats_refresh
from apps.sla.services import SlaTerms, sla_approve, sla_propose
from apps.sync.choices import RecordStatus
from tests.browser import screenshot_path

DEMO_PASSWORD = "finsync-demo"
BOARDS = ["", "sla/", "exceptions/", "controls/", "cash/", "connectors/"]


@pytest.fixture
def demo_world(live_server, monkeypatch, make_record):
    """The demo (its connectors pointing at this live server's sandbox), a month of flow records, an
    approved invoice SLA, open exceptions, and the rollup and evaluation run once."""
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("FINSYNC_SANDBOX_URL", f"{live_server.url}/sandbox")
    demo_seed()
    users = {u.username: u for u in get_user_model().objects.all()}
    de, us = LegalEntity.objects.get(code="DE01"), LegalEntity.objects.get(code="US01")
    coupa, erp = Connector.objects.get(code="coupa"), Connector.objects.get(code="sap-s4")
    now = timezone.now()
    version = sla_propose(flow="invoice_sync", legal_entity=de, change_note="AP close needs invoices within 15 min",
                          terms=SlaTerms(target_seconds=900, warning_seconds=600), actor=users["integration"],
                          effective_from=now - timedelta(days=20))
    sla_approve(version=version, actor=users["admin"])
    for day in range(14):
        for n in range(6):
            received = now - timedelta(days=day, hours=n + 1)
            parent = make_record(connector=coupa, flow="invoice_approved", entity=de if n % 3 else us,
                                 received=received, latency=timedelta(seconds=30 * (n + 1) * (1 + day % 4) ** 2))
            make_record(connector=erp, flow="ap_invoice_posting", entity=parent.legal_entity, parent=parent,
                        received=received, status=RecordStatus.EXCEPTION if (day + n) % 7 == 0 else
                        RecordStatus.DELIVERED, latency=timedelta(seconds=5))
    for n, (entity, kind) in enumerate([(de, "invoice.duplicate"), (de, "journal.closed_period"),
                                        (de, "supplier.duplicate"), (us, "payment.unmatched_ack"),
                                        (us, "invoice.match")]):
        exception_raise(kind=kind, message=f"{kind} #{n}", reference=f"REF-{n}", legal_entity=entity)
    flow_stats_refresh(first=(now - timedelta(days=15)).date())
    sla_evaluate()
    return {"users": users, "de": de, "us": us}


def _open_board(page, live_server, path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/dashboards/{path}")
    # a selector wait, not wait_for_function: the CSP refuses the eval that a string predicate needs
    page.wait_for_selector("[data-widget]:not([data-loaded])", state="detached")
    assert page.locator("[data-loaded=error]").count() == 0
    assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_dashboard_draws_for_a_controller_and_a_bar_opens_the_workbench(page, live_server, login, demo_world):
    login(page, "controller", DEMO_PASSWORD)
    for path in BOARDS:
        _open_board(page, live_server, path)
        name = path.strip("/") or "overview"
        page.screenshot(path=str(screenshot_path(f"dashboard-{name}")), full_page=True)
    _open_board(page, live_server, "sla/")
    # The invoice records measure invoice sync; their ERP postings measure the demo's journal-posting SLA.
    assert page.locator("[data-widget*=sla-compliance] .scatterlayer .trace").count() == 2
    assert {"Invoice sync", "Journal posting"} <= set(page.locator("[data-widget*=sla-compliance] .legendtext")
                                                      .all_text_contents())
    assert "on time" in page.inner_text("[data-widget*=sla-compliance] .tiles")

    _open_board(page, live_server, "exceptions/")
    page.locator("[data-widget*=exceptions-by-entity-kind] .barlayer .point path").first.click(force=True)
    page.wait_for_url("**/workbench/?**kind=**")
    assert "legal_entity_id=" in page.url
    assert page.locator("table.data tbody tr").count() >= 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("username", "sees", "hidden"), [
    ("controller_us", "US01", "DE01"), ("treasury", "DE01", None), ("auditor", "US01", None),
    ("integration", "DE01", None)])
def test_dashboards_per_role_show_only_their_entities(page, live_server, login, demo_world, username, sees, hidden):
    login(page, username, DEMO_PASSWORD)
    _open_board(page, live_server, "exceptions/")
    chart = page.inner_text("[data-widget*=exceptions-by-entity-kind]")
    assert sees in chart
    if hidden:
        assert hidden not in chart
    _open_board(page, live_server, "")
    page.screenshot(path=str(screenshot_path(f"dashboard-overview-{username}")), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sla_proposed_by_one_admin_and_approved_by_another(page, live_server, login, demo_world):
    login(page, "integration", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/slas/")
    assert "Invoice sync" in page.inner_text("table.sla-table")
    page.screenshot(path=str(screenshot_path("sla-list")), full_page=True)
    page.click("text=Propose an SLA")
    page.select_option("#id_flow", "bank_statement")
    page.select_option("#id_legal_entity", str(demo_world["de"].pk))
    page.fill("#id_target_minutes", "60")
    page.fill("#id_warning_minutes", "30")
    page.fill("#id_statement_due_local", "08:00")
    page.select_option("#id_poll_connector", "bank-api")
    page.fill("#id_poll_max_gap_minutes", "30")
    page.fill("#id_change_note", "Treasury needs yesterday's statements before the 09:00 cash call")
    page.screenshot(path=str(screenshot_path("sla-propose")), full_page=True)
    page.click("button:has-text('Propose for approval')")
    page.wait_for_selector("text=someone else must approve it")
    version = SlaVersion.objects.get(definition__flow="bank_statement", definition__legal_entity=demo_world["de"],
                                     status="proposed")
    assert (version.status, version.target_seconds, version.poll_max_gap_minutes) == ("proposed", 3600, 30)
    assert page.locator("button:has-text('Approve')").count() == 0  # not for the proposer

    page.click("text=Sign out")
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/slas/")
    page.click("section.attention a:has-text('Review')")
    page.screenshot(path=str(screenshot_path("sla-review")), full_page=True)
    page.fill("#id_note", "agreed")
    page.click("button:has-text('Approve')")
    page.wait_for_selector("text=approved: it runs from")
    version.refresh_from_db()
    assert (version.status, version.reviewed_by.username) == (VersionStatus.APPROVED, "admin")

    page.click("text=Sign out")
    login(page, "controller", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/slas/")
    assert page.locator("text=Propose an SLA").count() == 0
    page.goto(f"{live_server.url}/slas/propose/")
    assert "Your role cannot propose SLAs" in page.inner_text("main")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_connector_pages_test_connection_disable_and_run_now(page, live_server, login, demo_world, monkeypatch):
    sent = []
    from celery import current_app

    # No worker in this test: the broker is the edge; what would be sent is recorded.
    monkeypatch.setattr(current_app, "send_task", lambda name, args: sent.append((name, args)))
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    login(page, "integration", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/connectors/")
    page.screenshot(path=str(screenshot_path("connectors-list")), full_page=True)
    page.click("text=Coupa (sandbox)")
    page.click("button:has-text('Test connection')")
    page.wait_for_selector("[data-test-result]")
    assert page.get_attribute("[data-test-result]", "data-test-result") == "ok"  # real HTTP to the sandbox
    page.screenshot(path=str(screenshot_path("connector-detail")), full_page=True)

    page.click("button:has-text('Run now')")
    page.wait_for_selector("text=is being polled now")
    assert sent == [("sync.poll_connector", [Connector.objects.get(code="coupa").pk, "manual"])]

    page.fill("#id_every_minutes", "30")
    page.click("button:has-text('Save schedule')")
    page.wait_for_selector("text=polls every 30 min")
    page.click("button:has-text('Disable')")
    page.wait_for_selector("button:has-text('Enable')")
    assert Connector.objects.get(code="coupa").enabled is False
    assert page.is_disabled("button:has-text('Run now')")
    coupa = Connector.objects.get(code="coupa")
    assert list(AuditEvent.objects.filter(object_type="connectors.Connector", object_id=str(coupa.pk),
                                          actor__username="integration", id__gt=before).order_by("id")
                .values_list("action", flat=True)) == ["connector.connection_tested", "connector.run_now",
                                                       "connector.schedule_changed", "connector.disabled"]

    page.click("text=Sign out")
    login(page, "auditor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/connectors/coupa/")
    assert page.locator("button:has-text('Run now')").count() == 0
    assert page.locator("button:has-text('Disable'), button:has-text('Enable')").count() == 0
    page.screenshot(path=str(screenshot_path("connector-detail-auditor")), full_page=True)
