"""The simulated card processor. Nothing leaves the server; the card on file decides the outcome.

Test cards, by the last four digits of the shopper's card on file (after Stripe's test numbers):

    0002  declined: "Your card was declined."
    9995  declined: "Your card has insufficient funds."
    0069  declined: "Your card has expired."
    anything else  approved

A presenter changes a shopper's card in the admin (Shoppers → Card on file) to show a decline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shop.errors import ShopError

DECLINES: dict[str, tuple[str, str]] = {
    "0002": ("card_declined", "Your card was declined."),
    "9995": ("insufficient_funds", "Your card has insufficient funds."),
    "0069": ("expired_card", "Your card has expired."),
}


class NoCardOnFile(ShopError):
    code = "no_card_on_file"
    status = 409


class CardDeclined(ShopError):
    code = "card_declined"
    status = 402


class CardHolder(Protocol):
    """Whoever pays: only what a receipt shows of their card on file ("" when there is none)."""

    card_brand: str
    card_last4: str


@dataclass(frozen=True)
class Charge:
    approved: bool
    card_brand: str
    card_last4: str
    amount: Decimal
    decline_code: str = ""
    decline_reason: str = ""


def charge(payer: CardHolder, amount: Decimal) -> Charge:
    """Charge `amount` to the payer's card on file (a zero amount only verifies the card)."""
    brand, last4 = payer.card_brand, payer.card_last4
    decline = DECLINES.get(last4)
    if decline is None:
        return Charge(approved=True, card_brand=brand, card_last4=last4, amount=amount)
    code, reason = decline
    return Charge(
        approved=False, card_brand=brand, card_last4=last4, amount=amount, decline_code=code, decline_reason=reason
    )
