"""Period close readiness: each check red and green on realistic data, scoping, evidence CSV/PDF audited."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.banking.models import BankStatement, CompanyBankAccount, StatementLine
from apps.close.selectors import close_readiness, period_cutoff
from apps.connectors.models import Connector, ConnectorCursor
from apps.exceptions.services import exception_raise
from apps.ledger.models import AccountingPeriod, JournalEntry
from apps.masterdata.models import Bank, SourceSystem

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def november(entity_de):
    return AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=11,
                                           start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))


@pytest.fixture
def world(entity_de, november):
    """DE01 at the November close: SAP synced past month end, Coupa not; one blocking and one non-blocking
    exception; an account with one unmatched line; one draft journal."""
    sap = SourceSystem.objects.create(code="sap", name="SAP", kind="erp")
    coupa_sys = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    erp = Connector.objects.create(code="sap-s4", name="SAP S/4HANA", system=sap, kind="gl", adapter="sap_s4")
    coupa = Connector.objects.create(code="coupa", name="Coupa", system=coupa_sys, kind="procurement",
                                     adapter="coupa", default_legal_entity=entity_de)
    ConnectorCursor.objects.create(connector=erp, stream="journal_entry",
                                   position={"watermark": "2026-12-01T06:00:00+00:00"})
    ConnectorCursor.objects.create(connector=coupa, stream="invoice",
                                   position={"watermark": "2026-11-30T18:00:00+00:00"})  # 19:00 Berlin: before the end
    blocking = exception_raise(kind="journal.unbalanced", message="JE-9 does not balance", legal_entity=entity_de,
                               reference="JE-9", period=november)
    exception_raise(kind="sla.breach", message="invoices slow", legal_entity=entity_de, reference="SLA-1")
    bank = Bank.objects.create(name="Deutsche Bank", bic="DEUTDEFFXXX", country="DE")
    account = CompanyBankAccount.objects.create(legal_entity=entity_de, bank=bank, name="EUR operating",
                                                iban="DE89370400440532013000", currency="EUR")
    statement = BankStatement.objects.create(bank_account=account, legal_entity=entity_de, format="camt.053",
                                             statement_id="S-1130", currency="EUR", from_date=date(2026, 11, 30),
                                             to_date=date(2026, 11, 30))
    for n, status in enumerate(["matched", "unmatched"], start=1):
        StatementLine.objects.create(statement=statement, line_no=n, amount=Decimal("120.50"), currency="EUR",
                                     credit_debit="DBIT", booking_date=date(2026, 11, 30), reconciliation_status=status)
    JournalEntry.objects.create(legal_entity=entity_de, number="JE-1", posting_date=date(2026, 11, 28),
                                document_date=date(2026, 11, 28), period=november, status="posted")
    JournalEntry.objects.create(legal_entity=entity_de, number="JE-2", posting_date=date(2026, 11, 29),
                                document_date=date(2026, 11, 29), period=november, status="draft")
    return {"erp": erp, "coupa": coupa, "blocking": blocking, "account": account, "statement": statement}


def _checks(period):
    return {c.key: c for c in close_readiness(period=period).checks}


def test_cutoff_is_the_end_of_the_last_day_in_the_entitys_time_zone(november):
    assert period_cutoff(november) == datetime(2026, 12, 1, tzinfo=BERLIN)


def test_every_check_is_red_with_the_rows_behind_it(world, november):
    readiness = close_readiness(period=november)
    checks = {c.key: c for c in readiness.checks}

    assert readiness.ready is False
    assert [(i.label, i.ok) for i in checks["sources"].items] == [("Coupa", False), ("SAP S/4HANA", True)]
    assert checks["exceptions"].summary == "1 open blocking exceptions"  # the SLA breach does not block
    assert checks["exceptions"].items[0].url == (f"/workbench/?legal_entity_id={november.legal_entity_id}"
                                                 "&kind=journal.unbalanced&status=open&status=assigned")
    assert checks["statements"].items[0].value == "statements through 2026-11-30, 1 unreconciled lines"
    assert checks["journals"].summary == "1 journals of the period not posted"


def test_every_check_turns_green_once_the_work_is_done(world, november):
    ConnectorCursor.objects.filter(connector=world["coupa"]).update(position={"watermark": "2026-12-01T08:00:00Z"})
    world["blocking"].status = "resolved"
    world["blocking"].save(update_fields=["status"])
    StatementLine.objects.update(reconciliation_status="matched")
    JournalEntry.objects.update(status="posted")

    readiness = close_readiness(period=november)

    assert [(c.key, c.ok) for c in readiness.checks] == [("sources", True), ("exceptions", True),
                                                         ("statements", True), ("journals", True)]
    assert readiness.ready is True


def test_a_statement_missing_for_the_last_days_keeps_the_account_red(world, november):
    StatementLine.objects.update(reconciliation_status="matched")
    BankStatement.objects.update(to_date=date(2026, 11, 27))
    item = _checks(november)["statements"].items[0]
    assert (item.ok, item.value) == (False, "statements through 2026-11-27, all lines reconciled")


def test_page_shows_the_checklist_and_another_entity_is_404(client_for, world, november, controller, outsider):
    page = client_for(controller).get("/close/?entity=DE01&period=2026-11")
    html = page.content.decode()
    assert page.status_code == 200
    assert "DE01 2026-11: not ready to close" in html
    assert 'id="check-exceptions"' in html
    assert client_for(outsider).get("/close/?entity=DE01&period=2026-11").status_code == 404
    assert client_for(outsider).get("/api/v1/close-readiness/?entity=DE01&period=2026-11").status_code == 404


def test_api_returns_the_checks(client_for, world, november, auditor):
    body = client_for(auditor).get("/api/v1/close-readiness/?entity=DE01&period=2026-11").json()
    assert (body["legal_entity"], body["period"], body["ready"]) == ("DE01", "2026-11", False)
    assert [c["key"] for c in body["checks"]] == ["sources", "exceptions", "statements", "journals"]
    assert body["blocking_kinds_from"] == "built-in defaults"


def test_auditor_exports_csv_and_pdf_evidence_and_the_export_is_audited(client_for, world, november, auditor):
    client = client_for(auditor)
    response = client.get("/close/evidence.csv?entity=DE01&period=2026-11")
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert response["Content-Disposition"] == 'attachment; filename="close-readiness-DE01-2026-11.csv"'
    assert ["verdict", "ready to close", "", "FAIL", ""] in rows
    assert ["item", "Bank statements reconciled", "EUR operating (EUR)", "FAIL",
            "statements through 2026-11-30, 1 unreconciled lines"] in rows
    assert rows[-1] == ["digest", "sha256", "", "", response["X-Evidence-SHA256"]]

    pdf = client.get("/api/v1/close-readiness/evidence/?entity=DE01&period=2026-11&file=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    events = AuditEvent.objects.filter(action="close.evidence_exported").order_by("id")
    assert [(e.after["format"], e.after["ready"]) for e in events] == [("csv", False), ("pdf", False)]
    assert events[0].after["sha256"] == response["X-Evidence-SHA256"]
    assert events[0].actor == auditor


def test_unknown_period_or_format_is_refused(client_for, world, november, controller):
    client = client_for(controller)
    assert client.get("/close/?entity=DE01&period=2031-01").status_code == 404
    assert client.get("/api/v1/close-readiness/evidence/?entity=DE01&period=2026-11&file=xls").status_code == 400
    assert not AuditEvent.objects.filter(action="close.evidence_exported").exists()


def test_a_webhook_source_counts_by_the_last_record_it_pushed(world, november, entity_de):
    from apps.sync.models import SyncRecord

    events = SourceSystem.objects.create(code="ops-events", name="Ops events", kind="other")
    hook = Connector.objects.create(code="ops-events", name="Ops hook", system=events, kind="webhook",
                                    adapter="webhook", default_legal_entity=entity_de)
    record = SyncRecord.objects.create(direction="inbound", connector=hook, flow="journal_posting",
                                       object_type="journal_entry", payload={}, content_hash="0" * 64,
                                       idempotency_key="ops:1", legal_entity=entity_de)
    SyncRecord.objects.filter(pk=record.pk).update(created_at=datetime(2026, 12, 1, 9, tzinfo=BERLIN))

    items = {i.label: i for i in _checks(november)["sources"].items}
    assert items["Ops hook"].ok is True
    assert items["Ops hook"].value == "synced through 2026-12-01 08:00 UTC"


def test_a_webhook_source_that_never_received_an_event_does_not_block(world, november, entity_de):
    events = SourceSystem.objects.create(code="ops-events", name="Ops events", kind="other")
    Connector.objects.create(code="ops-events", name="Ops hook", system=events, kind="webhook", adapter="webhook",
                             default_legal_entity=entity_de)

    items = {i.label: i for i in _checks(november)["sources"].items}
    assert (items["Ops hook"].ok, items["Ops hook"].value) == (True, "push source · no event received yet")


def test_an_unreconciled_account_links_to_its_open_statements(world, november):
    item = _checks(november)["statements"].items[0]
    assert item.url == (reverse("banking:statements") + f"?legal_entity_id={november.legal_entity_id}"
                        f"&bank_account_id={world['account'].pk}&date_from=2026-11-01&status=open")


def test_the_readiness_page_has_a_fixed_query_budget(client_for, world, november, controller,
                                                     django_assert_max_num_queries):
    client = client_for(controller)
    client.get("/close/?entity=DE01&period=2026-11")  # warm the session and user caches
    with django_assert_max_num_queries(20):
        assert client.get("/close/?entity=DE01&period=2026-11").status_code == 200


def test_journals_stuck_in_the_pipeline_keep_the_period_open(world, november, entity_de):
    from apps.sync.models import SyncRecord

    JournalEntry.objects.update(status="posted")
    events = SourceSystem.objects.create(code="ops-events", name="Ops events", kind="other")
    hook = Connector.objects.create(code="ops-events", name="Ops hook", system=events, kind="webhook",
                                    adapter="webhook", default_legal_entity=entity_de)

    def record(n, status, posting_date):
        canonical = {"posting_date": posting_date} if posting_date else None
        return SyncRecord.objects.create(direction="inbound", connector=hook, flow="journal_posting",
                                         object_type="journal_entry", payload={"n": n}, content_hash=f"{n:064d}",
                                         idempotency_key=f"ops:{n}", legal_entity=entity_de, status=status,
                                         canonical=canonical)

    record(1, "delivered", "2026-11-20")
    record(2, "exception", "2026-12-02")  # December's problem, not November's
    assert _checks(november)["journals"].ok is True

    record(3, "exception", "2026-11-20")
    unmapped = record(4, "exception", None)
    SyncRecord.objects.filter(pk=unmapped.pk).update(created_at=datetime(2026, 11, 30, 12, tzinfo=BERLIN))
    check = _checks(november)["journals"]

    assert check.ok is False
    assert check.summary == "2 journals of the period not posted"
    assert (check.items[-1].label, check.items[-1].value) == ("Not yet delivered to the ledger (pipeline)",
                                                              "2 journals")
