"""Cart and purchase workflows. Each spans several models, so each runs here in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from auth_mcp.models import Shopper, ShopperSession
from checkout_mcp import processor
from checkout_mcp.models import (
    MAX_QUANTITY,
    Cart,
    CartItem,
    EmptyCart,
    IdempotencyKeyReused,
    NoCardOnFile,
    NotSignedIn,
    Order,
    OrderLine,
    Payment,
    QuantityLimit,
)
from checkout_mcp.money import Totals
from membership_mcp.models import is_member
from search_mcp.catalogs import CatalogProduct


def signed_in(session: ShopperSession) -> Shopper:
    """The session's shopper; raises NotSignedIn (telling the model to call authenticate-target)."""
    if not session.is_signed_in or session.shopper is None:
        raise NotSignedIn(session.handle)
    return session.shopper


def get_signed_in_session(handle: str) -> tuple[ShopperSession, Shopper]:
    """The live, signed-in session for `handle`: raises SessionNotFound, SessionExpired or NotSignedIn."""
    session = ShopperSession.objects.get_live(handle)
    return session, signed_in(session)


def ship_to(shopper: Shopper) -> list[str]:
    """The shopper's address as printed on a label, one line each; empty when none is on file."""
    if not shopper.address_line1:
        return []
    city = f"{shopper.city}, {shopper.state} {shopper.postal_code}".strip(" ,")
    return [
        line for line in (shopper.name, shopper.address_line1, shopper.address_line2, city, shopper.country) if line
    ]


def card_label(brand: str, last4: str) -> str:
    return f"{brand or 'Card'} •••• {last4}"


@dataclass(frozen=True)
class Added:
    item: CartItem
    quantity_added: int
    cart_units: int


def add_to_cart(session: ShopperSession, product: CatalogProduct, quantity: int) -> Added:
    """Put `quantity` of `product` in the session's cart, raising an existing line's quantity.

    The price and title are the catalog's, captured when the product first enters the cart.
    """
    shopper = signed_in(session)
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


def summarize(session: ShopperSession) -> Summary:
    shopper = signed_in(session)
    items = list(CartItem.objects.filter(cart__session=session))
    if not items:
        raise EmptyCart(
            "The cart is empty. Find products with search-target-products, add them with add-to-cart, "
            "then call checkout again."
        )
    member = is_member(shopper.pk)
    card = None
    if shopper.card_last4:
        card = card_label(shopper.card_brand, shopper.card_last4)
        if shopper.card_exp_month and shopper.card_exp_year:
            card += f", expires {shopper.card_exp_month:02d}/{shopper.card_exp_year}"
    return Summary(
        items=items,
        totals=Totals.for_order(((item.unit_price, item.quantity) for item in items), member=member),
        member=member,
        ship_to=ship_to(shopper),
        card=card,
    )


def complete_purchase(session: ShopperSession, idempotency_key: str) -> Order:
    """Turn the session's cart into one order for `idempotency_key`, charging the card on file.

    The same key always yields the same order: a repeat finds it, and a concurrent duplicate either
    waits on the cart's row lock and then finds it, or loses the race on the key's unique index and
    then finds it. A declined card leaves the cart as it was; an approved one empties it.
    """
    shopper = signed_in(session)
    try:
        with transaction.atomic():
            cart = Cart.objects.select_for_update().filter(session=session).first()
            existing = _order_for_key(idempotency_key, shopper)
            if existing is not None:
                return existing
            items = list(cart.items.all()) if cart else []
            if not items:
                raise EmptyCart("Your cart is empty. Add something to it before completing the purchase.")
            if not shopper.card_last4:
                raise NoCardOnFile("There is no card on your Target account. Add one, then try again.")
            totals = Totals.for_order(
                ((item.unit_price, item.quantity) for item in items), member=is_member(shopper.pk)
            )
            charge = processor.charge(shopper, totals.total)
            order = Order.objects.create(
                shopper=shopper,
                session=session,
                status=Order.Status.PLACED if charge.approved else Order.Status.DECLINED,
                subtotal=totals.subtotal,
                shipping=totals.shipping,
                tax=totals.tax,
                total=totals.total,
                tax_rate=settings.SALES_TAX_RATE,
                ship_to="\n".join(ship_to(shopper)),
                idempotency_key=idempotency_key,
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    product_id=item.product_id,
                    title=item.title,
                    unit_price=item.unit_price,
                    quantity=item.quantity,
                    line_total=item.line_total,
                )
                for item in items
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
            if charge.approved and cart is not None:
                cart.items.all().delete()
    except IntegrityError:
        # Another request with this key committed first (it held no lock we waited on).
        existing = _order_for_key(idempotency_key, shopper)
        if existing is None:
            raise
        return existing
    return order


def _order_for_key(key: str, shopper: Shopper) -> Order | None:
    order = Order.objects.filter(idempotency_key=key).first()
    if order is not None and order.shopper_id != shopper.pk:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for another purchase. Send a new one.")
    return order
