"""Money rules for the shop: amounts are Decimal and are rounded once, in `Totals.of`.

Prices arrive in whole cents (the catalog stores them so), so subtotals and line totals are exact;
only tax can produce fractions of a cent, and it is rounded half-up to the cent right there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from django.conf import settings
from django.db.models.expressions import Combinable
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from pydantic import Field

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# How amounts travel in tool results: decimal strings with cents, never floats.
Price = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", description='A decimal string with cents, e.g. "19.99".')]


def same_cents(left: Combinable, right: Combinable) -> Exact:
    """`left == right` to the cent, for database constraints. SQLite does decimal arithmetic in
    floating point, so sums are compared as whole cents there; on PostgreSQL it is plain equality."""
    return Exact(Round(left * 100), Round(right * 100))


def shipping_for(subtotal: Decimal, *, member: bool) -> Decimal:
    """Circle 360 members and orders at or over the threshold ship free; others pay the flat fee."""
    if member or subtotal >= settings.FREE_SHIPPING_THRESHOLD:
        return ZERO
    return settings.SHIPPING_FEE


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal

    @classmethod
    def of(cls, subtotal: Decimal, *, shipping: Decimal = ZERO) -> Totals:
        """Tax at the configured rate on the subtotal, rounded half-up to the cent: the one rounding."""
        tax = (subtotal * settings.SALES_TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        return cls(subtotal=subtotal, shipping=shipping, tax=tax, total=subtotal + shipping + tax)

    @classmethod
    def for_order(cls, lines: Iterable[tuple[Decimal, int]], *, member: bool) -> Totals:
        """Totals of (unit price, quantity) lines, with shipping by `shipping_for`."""
        subtotal = sum((price * quantity for price, quantity in lines), ZERO)
        return cls.of(subtotal, shipping=shipping_for(subtotal, member=member))

    def as_strings(self) -> dict[str, str]:
        """Decimal strings with cents ("19.99"), the way amounts travel to widgets and the model."""
        return {name: f"{value:.2f}" for name, value in vars(self).items()}


def minor_units(amount: Decimal) -> int:
    """An amount in whole cents, as protocols that carry integers want it (19.99 -> 1999).

    Amounts are already whole cents (see the module docstring), so nothing is rounded here."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def tax_rate_percent() -> str:
    """The configured rate for people, e.g. "8.75%"."""
    return f"{(settings.SALES_TAX_RATE * 100).normalize():f}%"
