"""Money: Decimal amounts with an ISO 4217 currency. Never float.

Amounts are stored with 4 decimal places so that 3-decimal currencies (KWD, BHD) and bank files with
more precision than the currency (camt.053 allows 5) keep their value; display rounds per currency.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact

MONEY_MAX_DIGITS = 19
MONEY_DECIMAL_PLACES = 4
RATE_MAX_DIGITS = 18
RATE_DECIMAL_PLACES = 8

_MINOR_UNITS_EXCEPTIONS = {
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}


def is_currency(code: str) -> bool:
    return isinstance(code, str) and len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None


def validate_currency(code: str) -> None:
    if not is_currency(code):
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code", code="invalid_currency")


def minor_units(currency: str) -> int:
    return _MINOR_UNITS_EXCEPTIONS.get(currency, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit with banker's rounding (as ERPs do for tax and FX)."""
    exp = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exp, rounding=ROUND_HALF_EVEN)


def MoneyField(verbose_name: str | None = None, **kwargs) -> models.DecimalField:  # noqa: N802
    """A DecimalField with the project's money precision."""
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )


def CurrencyField(verbose_name: str | None = "currency", **kwargs) -> models.CharField:  # noqa: N802
    return models.CharField(verbose_name, max_length=3, validators=[validate_currency], **kwargs)


def currency_constraint(field: str, name: str) -> models.CheckConstraint:
    """Database check that a currency column holds three upper-case letters."""
    return models.CheckConstraint(
        condition=models.Q(Exact(Length(field), 3)) & models.Q(Exact(Upper(field), models.F(field))),
        name=name,
    )


def non_negative_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": 0}), name=name)
