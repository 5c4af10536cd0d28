"""Money as people read it: the amount with two decimals and the configured currency (QUALITAS_CURRENCY)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

register = template.Library()


def money_text(value) -> str:
    """1234.5 → "1,234.50 EUR"; an empty value → "—"."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f} {settings.CURRENCY}"


@register.filter
def money(value) -> str:
    return money_text(value)


@register.simple_tag
def currency() -> str:
    return settings.CURRENCY
