"""The money rules: Decimal throughout, tax rounded half-up once, shipping by settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shop.payments.money import Totals, shipping_for, tax_rate_percent


@pytest.fixture(autouse=True)
def shop_rules(settings: Any) -> None:
    settings.SALES_TAX_RATE = Decimal("0.0875")
    settings.FREE_SHIPPING_THRESHOLD = Decimal("35.00")
    settings.SHIPPING_FEE = Decimal("5.99")


def test_tax_rounds_half_a_cent_up() -> None:
    # 6.00 × 8.75% = 0.525: half-up gives 0.53 where banker's rounding would give 0.52.
    assert Totals.of(Decimal("6.00")).tax == Decimal("0.53")


def test_tax_is_rounded_once_on_the_subtotal_not_per_line() -> None:
    # Three lines of 1.39: per-line tax would be 3 × 0.12 = 0.36; on the subtotal 4.17 it is 0.36488… → 0.36.
    totals = Totals.for_order([(Decimal("1.39"), 1)] * 3, member=False)
    assert totals.subtotal == Decimal("4.17") and totals.tax == Decimal("0.36")


def test_the_total_adds_up_exactly() -> None:
    totals = Totals.for_order([(Decimal("2.49"), 2), (Decimal("4.29"), 1)], member=False)
    assert totals == Totals(Decimal("9.27"), Decimal("5.99"), Decimal("0.81"), Decimal("16.07"))
    assert totals.as_strings() == {"subtotal": "9.27", "shipping": "5.99", "tax": "0.81", "total": "16.07"}


def test_orders_at_the_threshold_ship_free() -> None:
    assert shipping_for(Decimal("34.99"), member=False) == Decimal("5.99")
    assert shipping_for(Decimal("35.00"), member=False) == Decimal("0.00")


def test_circle_360_members_always_ship_free() -> None:
    assert shipping_for(Decimal("4.29"), member=True) == Decimal("0.00")


def test_the_rate_is_shown_as_a_percentage(settings: Any) -> None:
    assert tax_rate_percent() == "8.75%"
    settings.SALES_TAX_RATE = Decimal("0.07")
    assert tax_rate_percent() == "7%"
