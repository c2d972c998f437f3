"""The OAuth scopes a shopper grants a connector, each with the words the consent page shows.

Stated once: the authorization server offers these, and each tool names the ones it needs.
"""

from __future__ import annotations

PROFILE = "profile"
CART = "cart"
ORDERS = "orders"
MEMBERSHIP = "membership"

SCOPES: dict[str, str] = {
    PROFILE: "See your name, email and what you bought before, for picks made for you",
    CART: "See your cart and add products to it",
    ORDERS: "Prepare checkout with your shipping address and card on file, and place orders you confirm",
    MEMBERSHIP: "See your Target Circle 360 membership and offer you to join",
}
