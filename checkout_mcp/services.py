"""Cart and purchase workflows. Each spans several models, so each runs here in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from auth_mcp.models import Shopper, ShopperSession
from checkout_mcp.models import (
    MAX_QUANTITY,
    Cart,
    CartChanged,
    CartItem,
    EmptyCart,
    NotInCart,
    Order,
    OrderLine,
    Payment,
    QuantityLimit,
)
from membership_mcp.models import is_member
from search_mcp.catalogs import CatalogProduct
from shop.payments.idempotency import Pay, charge_once
from shop.payments.money import Totals
from shop.payments.processor import CardDeclined, Charge


@dataclass(frozen=True)
class Line:
    """A line to order: what a cart line or an agent's checkout session line holds."""

    product_id: str
    title: str
    unit_price: Decimal
    quantity: int


def record_order(
    shopper: Shopper,
    lines: list[Line],
    totals: Totals,
    charge: Charge,
    *,
    idempotency_key: str,
    ship_to: str,
    session: ShopperSession | None = None,
    channel: str = Order.Channel.WIDGET,
    cart_version: str = "",
) -> Order:
    """Write the order of one charge attempt, approved or declined, with its lines and payment.

    Every front door (the checkout widget, agentic checkout) records orders here, inside the
    `charge_once` attempt that made the charge, so an order reads the same whichever way it came.
    """
    order = Order.objects.create(
        shopper=shopper,
        session=session,
        channel=channel,
        status=Order.Status.PLACED if charge.approved else Order.Status.DECLINED,
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        tax=totals.tax,
        total=totals.total,
        tax_rate=settings.SALES_TAX_RATE,
        ship_to=ship_to,
        idempotency_key=idempotency_key,
        cart_version=cart_version,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product_id=line.product_id,
            title=line.title,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.unit_price * line.quantity,
        )
        for line in lines
    )
    Payment.objects.create(
        order=order,
        status=Payment.Status.SUCCEEDED if charge.approved else Payment.Status.DECLINED,
        amount=charge.amount,
        card_brand=charge.card_brand,
        card_last4=charge.card_last4,
        decline_code=charge.decline_code,
        decline_reason=charge.decline_reason,
    )
    return order


@dataclass(frozen=True)
class Added:
    item: CartItem
    quantity_added: int
    cart_units: int


def add_to_cart(session: ShopperSession, product: CatalogProduct, quantity: int) -> Added:
    """Put `quantity` of `product` in the session's cart, raising an existing line's quantity.

    The price and title are the catalog's, captured when the product first enters the cart.
    """
    shopper = session.signed_in_shopper()
    with transaction.atomic():
        cart, _ = Cart.objects.select_for_update().get_or_create(session=session, defaults={"shopper": shopper})
        item = cart.items.filter(product_id=product.id).first()
        if item is None:
            item = cart.items.create(
                product_id=product.id,
                title=product.title,
                image=product.image or "",
                unit_price=product.price,
                quantity=quantity,
            )
        else:
            if item.quantity + quantity > MAX_QUANTITY:
                room = MAX_QUANTITY - item.quantity
                advice = f"Add at most {room} more." if room else "Keep the quantity as it is."
                raise QuantityLimit(
                    f"The cart already has {item.quantity} of {product.title}; adding {quantity} would make "
                    f"{item.quantity + quantity}, and the most per product is {MAX_QUANTITY}. {advice}"
                )
            CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + quantity)
            item.refresh_from_db(fields=["quantity"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
        units = sum(cart.items.values_list("quantity", flat=True))
    return Added(item=item, quantity_added=quantity, cart_units=units)


@dataclass(frozen=True)
class Removed:
    title: str
    quantity_removed: int
    remaining: int
    cart_units: int


def remove_from_cart(session: ShopperSession, product_id: str, quantity: int | None) -> Removed:
    """Take `quantity` of a product out of the session's cart (all of it when None or more than there is)."""
    session.signed_in_shopper()
    with transaction.atomic():
        cart = Cart.objects.select_for_update().filter(session=session).first()
        item = cart.items.filter(product_id=product_id).first() if cart is not None else None
        if cart is None or item is None:
            raise NotInCart(
                f"Product {product_id} is not in the cart. Call checkout to see the cart's products and their ids."
            )
        removed = item.quantity if quantity is None else min(quantity, item.quantity)
        if removed == item.quantity:
            item.delete()
        else:
            CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") - removed)
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
        units = sum(cart.items.values_list("quantity", flat=True))
    return Removed(title=item.title, quantity_removed=removed, remaining=item.quantity - removed, cart_units=units)


@dataclass(frozen=True)
class Summary:
    """What the checkout screen shows: the cart's lines and what they will cost."""

    items: list[CartItem]
    totals: Totals
    member: bool
    ship_to: list[str]
    card: str | None

    @property
    def units(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def version(self) -> str:
        return cart_version(self.items, self.totals)


def cart_version(items: Sequence[CartItem], totals: Totals) -> str:
    """A fingerprint of what the checkout shows: every line (product, title, price, quantity) and
    every total. `complete_purchase` charges only if the cart still has the version the shopper saw."""
    shown = [(item.product_id, item.title, f"{item.unit_price:.2f}", item.quantity) for item in items]
    fingerprint = repr((sorted(shown), sorted(totals.as_strings().items())))
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


def summarize(session: ShopperSession) -> Summary:
    shopper = session.signed_in_shopper()
    items = list(CartItem.objects.filter(cart__session=session))
    if not items:
        raise EmptyCart(
            "The cart is empty. Find products with search-target-products, add them with add-to-cart, "
            "then call checkout again."
        )
    member = is_member(shopper.pk)
    return Summary(
        items=items,
        totals=Totals.for_order(((item.unit_price, item.quantity) for item in items), member=member),
        member=member,
        ship_to=shopper.ship_to,
        card=shopper.card_summary,
    )


def complete_purchase(session: ShopperSession, idempotency_key: str, version: str) -> Order:
    """Turn the session's cart into one order for `idempotency_key`, charging the card on file.

    `version` is the checkout summary's version the shopper reviewed: if the cart has changed since
    (lines, quantities, prices or totals), CartChanged is raised and nothing is charged.

    The same key always yields the same order (see `charge_once`); the cart's row lock keeps
    add-to-cart out while the order is written. A declined card leaves the cart as it was; an
    approved one empties it.
    """
    shopper = session.signed_in_shopper()

    def place(pay: Pay) -> Order:
        items = list(CartItem.objects.filter(cart__session=session))
        if not items:
            raise EmptyCart("Your cart is empty. Add something to it before completing the purchase.")
        lines = [Line(item.product_id, item.title, item.unit_price, item.quantity) for item in items]
        totals = Totals.for_order(((line.unit_price, line.quantity) for line in lines), member=is_member(shopper.pk))
        if cart_version(items, totals) != version:
            raise CartChanged(
                f"Your cart changed since you reviewed it; it now comes to ${totals.total:.2f}. Nothing was "
                "charged and the cart is as it is now: review the checkout again, then complete the purchase."
            )
        order = record_order(
            shopper,
            lines,
            totals,
            pay(totals.total),
            idempotency_key=idempotency_key,
            ship_to="\n".join(shopper.ship_to),
            session=session,
            cart_version=version,
        )
        if order.status == Order.Status.PLACED:
            CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
        return order

    return charge_once(
        idempotency_key,
        shopper,
        records=Order.objects.all(),
        lock=Cart.objects.filter(session=session),
        attempt=place,
        purpose="purchase",
        same_request=lambda order: order.session_id == session.pk and order.cart_version == version,
    )


def purchase(session: ShopperSession, idempotency_key: str, version: str) -> Order:
    """Complete the purchase as the shopper asked for it, from the widget's tool call or callback.

    Answers from the stored order, so every request with this key gets the same answer; a declined
    card raises CardDeclined (the declined order stays on record under the key).
    """
    placed = complete_purchase(session, idempotency_key, version)
    order = Order.objects.select_related("payment").prefetch_related("lines").get(pk=placed.pk)
    if order.status == Order.Status.DECLINED:
        raise CardDeclined(
            f"{order.payment.decline_reason} Nothing was charged and your cart is unchanged. "
            "Use a different card on your Target account, then try again."
        )
    return order
