"""Template filters for money: grouped digits, the currency's minor units, the code beside it."""

from decimal import Decimal

from django import template

from apps.common.money import quantize

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return "—"
    value = quantize(Decimal(amount), currency or "EUR")
    text = f"{value:,}"
    return f"{text} {currency}".strip()
