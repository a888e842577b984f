"""Match tolerances as AP teams set them: a difference passes when it is within a percentage of the expected
value OR within an absolute amount, whichever is more generous. Exact Decimal arithmetic, never float."""

from __future__ import annotations

from decimal import Decimal

HUNDRED = Decimal(100)


def within_tolerance(actual: Decimal, expected: Decimal, *, pct: Decimal, absolute: Decimal) -> bool:
    """|actual − expected| ≤ max(absolute, |expected| × pct / 100)."""
    difference = abs(actual - expected)
    return difference <= absolute or difference * HUNDRED <= abs(expected) * pct


def not_above_tolerance(actual: Decimal, limit: Decimal, *, pct: Decimal, absolute: Decimal) -> bool:
    """`actual` does not exceed `limit` by more than the tolerance (less is always fine: partial invoicing)."""
    return actual <= limit or within_tolerance(actual, limit, pct=pct, absolute=absolute)
