"""Statement list and detail, a person's reconciliation decisions (confirm, undo, match by hand) on the pages and
the API, and the payment page with its match and pain.002 history: scoped, capability-checked, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.banking.choices import FileChannel, ReconciliationStatus
from apps.banking.models import BankStatement, StatementLine
from apps.banking.services import payment_status_import, statement_import
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import MatchRule, MatchStatus, PaymentInstruction, PaymentStatusEvent, ReconciliationMatch
from apps.treasury.reconciliation import reconciliation_run

from .factories import DEBTOR_IBAN, Entry, Statement, camt053, pain002, released_batch

pytestmark = pytest.mark.django_db


def _sent(entity, account, reference, payments):
    return released_batch(entity, account, reference, payments, status=BatchStatus.SENT,
                          payment_status=PaymentStatus.SENT)


def _import(statement_id: str, day: str, entries: list[Entry], opening="1000.00", closing=None) -> BankStatement:
    for entry in entries:
        entry.booking_date = day
    content = camt053([Statement(statement_id, DEBTOR_IBAN, opening, closing, entries, day=day)],
                      message_id=f"M-{statement_id}")
    statement_import(content=content, filename=f"{statement_id}.xml", channel=FileChannel.UPLOAD)
    return BankStatement.objects.get(statement_id=statement_id)


@pytest.fixture
def reconciled(entity_de, account, suppliers):
    """Statement S-1: one line matched by end-to-end id, one ambiguous between two equal payments, one unmatched."""
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0]), ("E2E-2", "500.00", suppliers[1]),
                                     ("E2E-3", "500.00", suppliers[1]), ("E2E-4", "80.00", suppliers[2])])
    statement = _import("S-1", "2026-11-21", [
        Entry("1190.00", end_to_end_id="E2E-1", counterparty="Acme Industrial GmbH"),
        Entry("500.00", counterparty="Brandt Logistik AG"),
        Entry("80.00", counterparty="Somebody Else")])
    _import("S-0", "2026-11-10", [], opening="1000.00", closing="1000.00")  # nothing to reconcile
    reconciliation_run()
    return statement


def _lines(statement) -> list[StatementLine]:
    return list(statement.lines.order_by("line_no"))


# --- The list ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("", ["S-1", "S-0"]),
    ("?date_from=2026-11-15", ["S-1"]),
    ("?date_to=2026-11-15", ["S-0"]),
    ("?status=open", ["S-1"]),
    ("?status=reconciled", ["S-0"]),
    ("?kind=intraday", []),
    ("?q=S-0", ["S-0"]),
])
def test_the_list_filters_from_the_url(client_for, controller, reconciled, query, expected):
    response = client_for(controller).get(f"/bank/statements/{query}")
    assert [s.statement_id for s in response.context["page"].object_list] == expected


def test_the_list_filters_by_entity_and_account(client_for, controller, reconciled, account, entity_de, entity_us):
    client = client_for(controller)
    assert len(client.get(f"/bank/statements/?bank_account_id={account.pk}").context["page"].object_list) == 2
    assert len(client.get(f"/bank/statements/?legal_entity_id={entity_de.pk}").context["page"].object_list) == 2
    assert len(client.get(f"/bank/statements/?legal_entity_id={entity_us.pk}").context["page"].object_list) == 0


def test_the_list_shows_open_lines_and_is_scoped(client_for, controller, outsider, reconciled):
    page = client_for(controller).get("/bank/statements/").content.decode()
    assert "2 open" in page  # S-1: the ambiguous and the unmatched line
    assert "Reconciled" in page  # S-0
    outsider_page = client_for(outsider).get("/bank/statements/").content.decode()
    assert "No statements here" in outsider_page
    assert "S-1" not in outsider_page


def test_the_list_runs_a_fixed_number_of_queries(client_for, controller, reconciled, django_assert_max_num_queries):
    client = client_for(controller)
    client.get("/bank/statements/")
    for n in range(2, 8):
        _import(f"S-X{n}", f"2026-10-{n:02d}", [Entry("1.00"), Entry("2.00")], opening=None)
    with django_assert_max_num_queries(12):
        response = client.get("/bank/statements/")
    assert len(response.context["page"].object_list) == 8


# --- The detail ----------------------------------------------------------------------------------------------

def test_the_detail_says_why_each_line_matched_and_offers_the_candidates(client_for, treasury_operator, reconciled):
    response = client_for(treasury_operator).get(f"/bank/statements/{reconciled.pk}/")
    page = response.content.decode()
    matched, ambiguous, unmatched = _lines(reconciled)
    assert [line.reconciliation_status for line in (matched, ambiguous, unmatched)] == [
        ReconciliationStatus.MATCHED, ReconciliationStatus.AMBIGUOUS, ReconciliationStatus.UNMATCHED]
    assert "Same end-to-end id and amount" in page
    assert "Why: compared end-to-end id, bank account, currency, amount." in page
    assert "end-to-end id E2E-1 · 1190.00 EUR · booked 2026-11-21, requested 2026-11-20" in page
    assert "Several candidates fit; pick the right one:" in page
    assert page.count("Confirm this one") == 2
    assert page.count("Undo match") == 1
    assert page.count("Match by hand") == 2  # the ambiguous and the unmatched debit
    assert ">E2E-2</a>" in page
    assert ">E2E-3</a>" in page


def test_the_detail_of_another_entitys_statement_is_not_found(client_for, outsider, reconciled):
    assert client_for(outsider).get(f"/bank/statements/{reconciled.pk}/").status_code == 404


def test_an_auditor_sees_no_actions(client_for, auditor, reconciled):
    page = client_for(auditor).get(f"/bank/statements/{reconciled.pk}/").content.decode()
    assert "Confirm this one" not in page
    assert "Undo match" not in page
    assert "Match by hand" not in page


def test_confirm_a_candidate_on_the_page(client_for, treasury_operator, reconciled):
    candidate = ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED).order_by("id").last()
    next_url = f"/bank/statements/{reconciled.pk}/"
    response = client_for(treasury_operator).post(f"/bank/matches/{candidate.pk}/confirm",
                                                  {"note": "invoice on the advice", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert ReconciliationMatch.objects.get(pk=candidate.pk).status == MatchStatus.ACTIVE
    assert _lines(reconciled)[1].reconciliation_status == ReconciliationStatus.MATCHED
    assert AuditEvent.objects.filter(action="reconciliation.confirmed", actor=treasury_operator).count() == 1


def test_an_auditor_cannot_confirm_and_an_outsider_does_not_find_the_match(client_for, auditor, outsider,
                                                                           reconciled):
    candidate = ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED).first()
    response = client_for(auditor).post(f"/bank/matches/{candidate.pk}/confirm", follow=True)
    assert "Your role does not allow reconciling bank statements." in response.content.decode()
    assert client_for(outsider).post(f"/bank/matches/{candidate.pk}/confirm").status_code == 404
    assert ReconciliationMatch.objects.get(pk=candidate.pk).status == MatchStatus.PROPOSED


def test_undo_on_the_page_needs_a_reason(client_for, controller, reconciled):
    match = ReconciliationMatch.objects.get(status=MatchStatus.ACTIVE)
    client = client_for(controller)
    refused = client.post(f"/bank/matches/{match.pk}/undo", {"reason": " "}, follow=True)
    assert "Say why the match is undone." in refused.content.decode()
    assert ReconciliationMatch.objects.get(pk=match.pk).status == MatchStatus.ACTIVE
    client.post(f"/bank/matches/{match.pk}/undo", {"reason": "booked twice by the bank"})
    assert ReconciliationMatch.objects.get(pk=match.pk).status == MatchStatus.UNDONE
    assert _lines(reconciled)[0].reconciliation_status == ReconciliationStatus.UNMATCHED
    assert AuditEvent.objects.filter(action="reconciliation.undone", actor=controller).count() == 1


def test_match_by_hand_on_the_page(client_for, treasury_operator, reconciled):
    line = _lines(reconciled)[2]
    client = client_for(treasury_operator)
    refused = client.post(f"/bank/statements/{reconciled.pk}/match",
                          {"line": line.pk, "end_to_end_ids": "E2E-2", "note": "x"}, follow=True)
    assert ("These cannot be matched: the lines add up to 80.00 EUR and the payments to 500.00 EUR."
            in refused.content.decode())
    client.post(f"/bank/statements/{reconciled.pk}/match",
                {"line": line.pk, "end_to_end_ids": "E2E-4", "note": "the creditor's factoring company"})
    match = ReconciliationMatch.objects.get(rule=MatchRule.MANUAL)
    assert (match.status, match.decided_by, match.note) == (MatchStatus.ACTIVE, treasury_operator,
                                                            "the creditor's factoring company")
    assert match.reason["end_to_end_ids"] == ["E2E-4"]
    assert StatementLine.objects.get(pk=line.pk).reconciliation_status == ReconciliationStatus.MATCHED
    assert AuditEvent.objects.filter(action="reconciliation.matched_manually").count() == 1


def test_match_by_hand_refuses_a_payment_already_matched(client_for, treasury_operator, reconciled):
    line = _lines(reconciled)[2]
    response = client_for(treasury_operator).post(f"/bank/statements/{reconciled.pk}/match",
                                                  {"line": line.pk, "end_to_end_ids": "E2E-1"}, follow=True)
    assert "These cannot be matched" in response.content.decode()
    assert not ReconciliationMatch.objects.filter(rule=MatchRule.MANUAL).exists()


# --- The payment ---------------------------------------------------------------------------------------------

def test_the_payment_page_shows_its_match_and_the_banks_answers(client_for, controller, outsider, reconciled):
    payment = PaymentInstruction.objects.get(end_to_end_id="E2E-4")
    payment_status_import(content=pain002("B1", [("E2E-4", "RJCT", "AC04", "Account closed")], message_id="STS-9"),
                          filename="sts.xml", channel=FileChannel.UPLOAD)
    event = PaymentStatusEvent.objects.get(payment=payment)
    assert (event.bank_status, event.status_before, event.status_after, event.reason_code) == (
        "RJCT", PaymentStatus.SENT, PaymentStatus.REJECTED, "AC04")
    page = client_for(controller).get(f"/bank/payments/{payment.pk}/").content.decode()
    assert "Sent to bank → Rejected by bank" in page
    assert "AC04 Account closed" in page
    assert "Not on a statement yet" in page
    matched = PaymentInstruction.objects.get(end_to_end_id="E2E-1")
    page = client_for(controller).get(f"/bank/payments/{matched.pk}/").content.decode()
    assert "Same end-to-end id and amount" in page
    assert f"#line-{_lines(reconciled)[0].pk}" in page
    assert client_for(outsider).get(f"/bank/payments/{matched.pk}/").status_code == 404


# --- The API -------------------------------------------------------------------------------------------------

def test_the_api_lists_and_details_statements_with_reasons(client_for, controller, outsider, reconciled):
    client = client_for(controller)
    listed = client.get("/api/v1/statements/?status=open").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["statement_id"], r["line_count"], r["open_line_count"]) for r in rows] == [("S-1", 3, 2)]
    detail = client.get(f"/api/v1/statements/{reconciled.pk}/").json()
    first = detail["lines"][0]
    assert first["reconciliation_status"] == "matched"
    assert first["matches"][0]["rule"] == MatchRule.END_TO_END_ID
    assert first["matches"][0]["reason"]["end_to_end_id"] == "E2E-1"
    # The match by end-to-end id holds both sides on one item; the API lists a line and a payment, as for any match.
    assert [(i["statement_line"] == first["id"], i["payment"] is not None, i["end_to_end_id"])
            for i in first["matches"][0]["items"]] == [(True, False, None), (False, True, "E2E-1")]
    assert [m["status"] for m in detail["lines"][1]["matches"]] == ["proposed", "proposed"]
    assert client_for(outsider).get(f"/api/v1/statements/{reconciled.pk}/").status_code == 404


def test_the_api_confirms_undoes_and_matches_by_hand(client_for, treasury_operator, auditor, reconciled):
    client = client_for(treasury_operator)
    candidate = ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED).order_by("id").first()
    assert client_for(auditor).post(f"/api/v1/reconciliation-matches/{candidate.pk}/confirm/").status_code == 403
    confirmed = client.post(f"/api/v1/reconciliation-matches/{candidate.pk}/confirm/", {"note": "ok"})
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "active")
    undone = client.post(f"/api/v1/reconciliation-matches/{candidate.pk}/undo/", {"note": ""})
    assert (undone.status_code, undone.json()["code"]) == (400, "reason_required")
    undone = client.post(f"/api/v1/reconciliation-matches/{candidate.pk}/undo/", {"note": "wrong one"})
    assert undone.json()["status"] == "undone"
    line = _lines(reconciled)[2]
    payment = PaymentInstruction.objects.get(end_to_end_id="E2E-4")
    made = client.post("/api/v1/reconciliation-matches/", {"lines": [line.pk], "payments": [payment.pk]},
                       content_type="application/json")
    assert made.status_code == 201
    assert made.json()["rule"] == "manual"
    assert [i["end_to_end_id"] for i in made.json()["items"] if i["payment"]] == ["E2E-4"]
    payment_view = client.get(f"/api/v1/payments/{payment.pk}/").json()
    assert [m["rule"] for m in payment_view["matches"]] == ["manual"]
    assert payment_view["status_history"] == []
    assert Decimal(payment_view["amount"]) == Decimal("80.00")
