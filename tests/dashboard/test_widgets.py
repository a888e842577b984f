"""Dashboard widgets: entity scoping (incl. the JSON endpoints), click-through filters, empty states,
Decimal at the chart edge, bad input, and a query budget per widget."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from apps.banking.models import CompanyBankAccount
from apps.dashboard.widgets import DASHBOARDS, WIDGETS
from apps.exceptions.services import exception_raise
from apps.exceptions.tally import tally_rebuild
from apps.masterdata.models import Bank
from apps.sla.rollup import flow_stats_refresh
from apps.sync.choices import RecordStatus
from apps.treasury.models import CashPosition


def _case(entity, kind="invoice.duplicate", ref="INV-1", **kw):
    return exception_raise(kind=kind, message=f"{kind} {ref}", reference=ref, legal_entity=entity, **kw)


def _widget(client, name, **params):
    response = client.get(f"/dashboards/widgets/{name}/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_every_dashboard_page_paints_its_widget_placeholders(client_for, controller):
    client = client_for(controller)
    for slug, board in DASHBOARDS.items():
        response = client.get("/dashboards/" if slug == "overview" else f"/dashboards/{slug}/", {"days": 7})
        assert response.status_code == 200
        body = response.content.decode()
        for name in board.widgets:
            assert f'data-widget="/dashboards/widgets/{name}/?days=7"' in body
        assert "vendor/plotly/plotly.min.js" in body
        assert "<script>" not in body  # no inline script (CSP: script-src 'self')


@pytest.mark.django_db
def test_exception_widgets_are_scoped_and_click_through_to_the_workbench(client_for, controller, entity_de,
                                                                         entity_us):
    _case(entity_de, ref="A")
    _case(entity_de, kind="journal.closed_period", ref="B")
    _case(entity_us, ref="C")

    payload = _widget(client_for(controller), "exceptions-by-entity-kind")

    bars = payload["figures"][0]["data"]
    assert sorted((bar["name"], tuple(bar["x"]), tuple(bar["y"])) for bar in bars) == [
        ("Possible duplicate invoice", ("DE01",), (1,)), ("Posting to closed period", ("DE01",), (1,))]
    duplicate = next(bar for bar in bars if bar["name"] == "Possible duplicate invoice")
    assert parse_qs(duplicate["customdata"][0]) == {"legal_entity_id": [str(entity_de.pk)],
                                                    "kind": ["invoice.duplicate"]}
    assert "US01" not in payload["html"]


@pytest.mark.django_db
def test_an_entity_outside_scope_is_not_found_and_bad_input_is_explained(client_for, controller, entity_us):
    client = client_for(controller)
    assert client.get("/dashboards/widgets/exceptions-by-entity-kind/", {"entity": entity_us.pk}).status_code == 404
    assert client.get("/dashboards/exceptions/", {"entity": entity_us.pk}).status_code == 404
    assert client.get("/dashboards/widgets/no-such-widget/").status_code == 404
    bad = client.get("/dashboards/widgets/cash-history/", {"days": "9999", "currency": "euro"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"days", "currency"}
    page = client.get("/dashboards/cash/", {"currency": "euro"})
    assert "A currency is three capital letters" in page.content.decode()


@pytest.mark.django_db
def test_age_buckets_open_the_workbench_with_the_age_filter(client_for, controller, entity_de):
    old = _case(entity_de, ref="OLD")
    type(old).objects.filter(pk=old.pk).update(first_seen=timezone.now() - timedelta(days=10))
    tally_rebuild()  # history rewritten behind the services' back, as by a bulk load: recount the tally
    _case(entity_de, ref="NEW")

    bars = _widget(client_for(controller), "exceptions-by-age")["figures"][0]["data"]

    assert [(b["name"], b["y"]) for b in bars] == [("DE01", [1, 0, 0, 1, 0])]
    assert parse_qs(bars[0]["customdata"][3]) == {"legal_entity_id": [str(entity_de.pk)], "older_than_hours": ["168"]}


@pytest.mark.django_db
def test_cash_history_keeps_decimals_until_the_chart_and_lists_balances_by_bank(client_for, treasury_operator,
                                                                                entity_de, entity_us):
    bank = Bank.objects.create(name="Deutsche Bank", bic="DEUTDEFF", country="DE")
    eur = CompanyBankAccount.objects.create(legal_entity=entity_de, bank=bank, name="EUR operating",
                                            iban="DE89370400440532013000", currency="EUR")
    usd = CompanyBankAccount.objects.create(legal_entity=entity_us, bank=bank, name="USD", account_number="1",
                                            currency="USD")
    today = timezone.now().date()
    for account, entity, ccy in ((eur, entity_de, "EUR"), (usd, entity_us, "USD")):
        for n, amount in enumerate(["1000000.10", "1250000.25"]):
            day = today - timedelta(days=1 - n)
            CashPosition.objects.create(legal_entity=entity, bank_account=account, currency=ccy, kind="booked",
                                        position_date=day, as_of=datetime.combine(day, datetime.min.time(), UTC),
                                        amount=Decimal(amount))
    # a re-sent statement later the same day replaces the balance, it is not added
    CashPosition.objects.create(legal_entity=entity_de, bank_account=eur, currency="EUR", kind="booked",
                                position_date=today, as_of=timezone.now(), amount=Decimal("1250000.30"))

    client = client_for(treasury_operator)
    history = _widget(client, "cash-history")
    latest = _widget(client, "cash-latest")

    (line,) = history["figures"][0]["data"]
    assert line["name"] == "DE01 · Deutsche Bank · EUR operating"
    assert line["y"] == [1000000.1, 1250000.3]
    assert parse_qs(line["customdata"][0]) == {"bank_account_id": [str(eur.pk)]}
    assert len(history["figures"]) == 1  # US01 is not the operator's
    assert "1,250,000.30 EUR" in latest["html"]
    assert "USD" not in latest["html"]


@pytest.mark.django_db
def test_sla_widgets_show_compliance_and_percentiles_per_flow(client_for, controller, entity_de, coupa,
                                                              make_record, integration_admin, second_admin):
    from apps.sla.services import SlaTerms, sla_approve, sla_propose

    version = sla_propose(flow="invoice_sync", legal_entity=entity_de, change_note="x", actor=integration_admin,
                          terms=SlaTerms(target_seconds=60, warning_seconds=30),
                          effective_from=timezone.now() - timedelta(days=2))
    sla_approve(version=version, actor=second_admin)
    received = timezone.now() - timedelta(hours=2)
    for seconds in (10, 20, 50, 600):
        make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=received,
                    latency=timedelta(seconds=seconds))
    flow_stats_refresh()
    client = client_for(controller)

    compliance = _widget(client, "sla-compliance")
    latency = _widget(client, "sla-latency")

    (line,) = compliance["figures"][0]["data"]
    assert (line["name"], line["y"]) == ("Invoice sync", [75.0])
    assert parse_qs(line["customdata"][0]) == {"kind": ["sla.breach"], "record_type": ["invoice_sync"]}
    assert "75.0% on time" in compliance["html"]
    p95, p50 = latency["figures"][0]["data"]
    assert p95["name"] == "Invoice sync p95"
    assert p50["y"] == [30.0]  # the 2nd of 4 (20 s) is the last in the 10–30 s bucket: its top edge
    assert p95["y"][0] > 60


@pytest.mark.django_db
def test_empty_states_say_what_will_appear(client_for, controller):
    client = client_for(controller)
    for name, text in [("sla-compliance", "No SLA in effect"), ("sla-latency", "No record delivered"),
                       ("exceptions-by-entity-kind", "No open exceptions"), ("duplicate-suppliers", "No duplicate"),
                       ("unmatched-acknowledgments", "Every payment acknowledgment matched"),
                       ("posting-failures", "No journal posted"), ("cash-history", "No statement balances yet"),
                       ("connector-health", "No connectors yet")]:
        payload = _widget(client, name)
        assert text in payload["html"], name
        assert payload["figures"] == []


@pytest.mark.django_db
def test_controls_count_duplicates_unmatched_acks_and_posting_failures(client_for, controller, entity_de, coupa, erp,
                                                                        make_record):
    _case(entity_de, kind="supplier.duplicate", ref="S1")
    _case(entity_de, kind="supplier.duplicate", ref="S2")
    _case(entity_de, kind="payment.unmatched_ack", ref="ACK-1")
    source = make_record(connector=coupa, flow="invoice_approved", entity=entity_de)
    for status in (RecordStatus.DELIVERED, RecordStatus.DELIVERED, RecordStatus.DELIVERED, RecordStatus.EXCEPTION):
        make_record(connector=erp, flow="ap_invoice_posting", entity=entity_de, parent=source, status=status)
    flow_stats_refresh()
    client = client_for(controller)

    duplicates = _widget(client, "duplicate-suppliers")
    acks = _widget(client, "unmatched-acknowledgments")
    postings = _widget(client, "posting-failures")

    assert duplicates["figures"][0]["data"][0]["y"] == [2]
    assert "Duplicates prevented" in duplicates["html"]
    assert "Unmatched, open now" in acks["html"]
    (line,) = postings["figures"][0]["data"]
    assert (line["name"], line["y"]) == ("Coupa", [25.0])  # by the system the journals came from


@pytest.mark.django_db
def test_connector_health_shows_error_rate_and_circuit(client_for, integration_admin, entity_de, coupa, make_record):
    coupa.circuit_state = "open"
    coupa.save(update_fields=["circuit_state"])
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, attempts=3)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, attempts=1)
    flow_stats_refresh()

    payload = _widget(client_for(integration_admin), "connector-health")

    (bars,) = payload["figures"][0]["data"]
    assert bars["x"] == [50.0]  # 2 of 4 attempts did not deliver
    assert bars["marker"]["color"] == ["#c53030"]
    assert parse_qs(bars["customdata"][0]) == {"source_system_id": [str(coupa.system_id)]}
    assert "/connectors/coupa/" in payload["html"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_widget_query_budget_does_not_grow_with_rows(name, client_for, controller, entity_de, coupa, make_record,
                                                     django_assert_max_num_queries):
    today = timezone.now().date()
    for n in range(30):
        _case(entity_de, kind=["supplier.duplicate", "payment.unmatched_ack", "invoice.match"][n % 3], ref=f"R{n}")
        make_record(connector=coupa, flow="invoice_approved", entity=entity_de,
                    received=datetime.combine(today - timedelta(days=n % 5), datetime.min.time(), UTC))
    flow_stats_refresh(first=today - timedelta(days=6))
    client = client_for(controller)
    client.get(f"/dashboards/widgets/{name}/")  # warm the session and user caches
    with django_assert_max_num_queries(9):
        response = client.get(f"/dashboards/widgets/{name}/")
    assert response.status_code == 200
