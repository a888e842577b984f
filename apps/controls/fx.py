"""Functional-currency amounts of a journal's legs (JournalLine.functional_debit/credit).

Rounding each leg on its own can leave a balanced foreign-currency journal unbalanced in the entity's
currency (3 × 33.33 EUR at 1.1 does not sum to 110.00). ERPs post the difference to the largest leg; so do
we: the debits and the credits are each rounded so that their totals are the rounded converted total, and
every leg stays within one minor unit of its exact converted value."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from apps.common.money import minor_units, quantize


def _allocate(amounts: list[Decimal], rate: Decimal, currency: str) -> list[Decimal]:
    """Convert and round `amounts` so they sum to the rounded converted total (largest remainder first)."""
    unit = Decimal(1).scaleb(-minor_units(currency))
    exact = [a * rate for a in amounts]
    target = quantize(sum(exact, Decimal(0)), currency)
    floors = [e.quantize(unit, rounding=ROUND_FLOOR) for e in exact]
    missing = int((target - sum(floors, Decimal(0))) / unit)
    order = sorted(range(len(amounts)), key=lambda i: (exact[i] - floors[i], amounts[i]), reverse=True)
    for i in order[:missing]:
        floors[i] += unit
    return floors


def functional_legs(legs: list[tuple[str, Decimal]], *, rate: Decimal, currency: str) -> list[Decimal]:
    """Functional amounts of (side, amount) legs at `rate` into `currency`: debits and credits allocated
    separately, so a journal balanced in its own currency stays balanced in the functional one."""
    if rate <= 0:
        raise ValueError("an exchange rate is positive")
    out: list[Decimal] = [Decimal(0)] * len(legs)
    for side in ("debit", "credit"):
        index = [i for i, (s, _) in enumerate(legs) if s == side]
        for i, value in zip(index, _allocate([legs[i][1] for i in index], rate, currency), strict=True):
            out[i] = value
    return out
