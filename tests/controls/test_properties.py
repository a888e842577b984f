"""Property tests (hypothesis): match tolerances, journal balancing and rounding of multi-currency legs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.common.money import minor_units
from apps.controls.fx import functional_legs
from apps.controls.tolerances import not_above_tolerance, within_tolerance
from apps.ledger.controls import journal_controls
from apps.ledger.models import AccountingPeriod, GLAccount

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2)
small = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=4)
pcts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


# --- match tolerances ---------------------------------------------------------------------------------------

@given(expected=amounts, pct=pcts, absolute=small)
def test_the_expected_value_itself_always_matches(expected, pct, absolute):
    assert within_tolerance(expected, expected, pct=pct, absolute=absolute)


@given(expected=amounts, pct=pcts, absolute=small)
def test_the_edge_of_the_tolerance_passes_and_one_step_beyond_fails(expected, pct, absolute):
    allowed = max(absolute, expected * pct / 100)
    assert within_tolerance(expected + allowed, expected, pct=pct, absolute=absolute)
    assert within_tolerance(expected - allowed, expected, pct=pct, absolute=absolute)
    beyond = allowed + Decimal("0.0001")
    assert not within_tolerance(expected + beyond, expected, pct=pct, absolute=absolute)


@given(actual=amounts, expected=amounts, pct=pcts, absolute=small, more_pct=pcts, more_abs=small)
def test_a_wider_tolerance_never_refuses_what_a_narrower_one_accepts(actual, expected, pct, absolute, more_pct,
                                                                     more_abs):
    if within_tolerance(actual, expected, pct=pct, absolute=absolute):
        assert within_tolerance(actual, expected, pct=pct + more_pct, absolute=absolute + more_abs)


@given(actual=amounts, limit=amounts, pct=pcts, absolute=small)
def test_invoicing_less_than_ordered_or_received_always_passes(actual, limit, pct, absolute):
    assume(actual <= limit)
    assert not_above_tolerance(actual, limit, pct=pct, absolute=absolute)


# --- journal balancing ------------------------------------------------------------------------------------

@pytest.fixture
def books(entity_de):
    for code in ("6100", "2000", "1200"):
        GLAccount.objects.create(legal_entity=entity_de, code=code, name=code, account_type="asset")
    AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=11, start_date=date(2026, 11, 1),
                                    end_date=date(2026, 11, 30), status="open")
    return entity_de


legs_per_currency = st.dictionaries(st.sampled_from(["EUR", "USD", "CHF", "JPY"]),
                                    st.lists(amounts, min_size=1, max_size=6), min_size=1, max_size=3)


def _journal(legs: dict[str, list[Decimal]], skew: Decimal = Decimal(0)) -> dict:
    lines = []
    for n, (ccy, debits) in enumerate(sorted(legs.items())):
        lines += [{"account": "6100", "currency": ccy, "amount": str(a), "side": "debit"} for a in debits]
        credit = sum(debits, Decimal(0)) + (skew if n == 0 else 0)
        lines.append({"account": "2000", "currency": ccy, "amount": str(credit), "side": "credit"})
    return {"legal_entity": "DE01", "posting_date": "2026-11-20", "lines": lines}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(legs=legs_per_currency)
def test_a_journal_balanced_per_currency_passes(books, legs):
    assert journal_controls(_journal(legs)) == []


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(legs=legs_per_currency, skew=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2))
def test_any_difference_in_one_currency_is_caught_in_that_currency(books, legs, skew):
    failures = journal_controls(_journal(legs, skew))

    assert [f.kind for f in failures] == ["journal.unbalanced"]
    first = sorted(legs)[0]
    assert f"differ by {skew} {first}" in failures[0].message or f"differ by {skew:f} {first}" in failures[0].message


# --- rounding of multi-currency legs ----------------------------------------------------------------------

rates = st.decimals(min_value=Decimal("0.00010000"), max_value=Decimal("5000"), places=8)


@given(debits=st.lists(amounts, min_size=1, max_size=8), rate=rates, currency=st.sampled_from(["EUR", "JPY", "KWD"]))
def test_a_balanced_journal_stays_balanced_in_the_functional_currency(debits, rate, currency):
    assume(rate > 0)
    total = sum(debits, Decimal(0))
    credits = [total / 3, total / 3, total - 2 * (total / 3)] if total >= Decimal("0.03") else [total]
    credits = [c.quantize(Decimal("0.01")) for c in credits]
    credits[-1] = total - sum(credits[:-1], Decimal(0))
    assume(all(c > 0 for c in credits))
    legs = [("debit", d) for d in debits] + [("credit", c) for c in credits]

    functional = functional_legs(legs, rate=rate, currency=currency)

    unit = Decimal(1).scaleb(-minor_units(currency))
    debit_total = sum((f for (side, _), f in zip(legs, functional, strict=True) if side == "debit"), Decimal(0))
    credit_total = sum((f for (side, _), f in zip(legs, functional, strict=True) if side == "credit"), Decimal(0))
    assert debit_total == credit_total
    for (_, amount), converted in zip(legs, functional, strict=True):
        assert abs(converted - amount * rate) < unit  # every leg within one minor unit of its exact value
        assert converted == converted.quantize(unit)


def test_three_thirds_at_a_rate_still_balance():
    legs = [("debit", Decimal("33.33"))] * 2 + [("debit", Decimal("33.34")), ("credit", Decimal("100.00"))]

    functional = functional_legs(legs, rate=Decimal("1.1"), currency="EUR")

    assert functional == [Decimal("36.66"), Decimal("36.66"), Decimal("36.68"), Decimal("110.00")]
