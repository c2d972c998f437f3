"""Checkout sessions: filling one from an agent's request, pricing it by the shop's rules, and
completing it through the same order and payment path as the checkout widget.

Items are the local catalog's products (the ids of the product feed); prices, tax and shipping are
the shop's (`shop.payments.money`), with Circle 360 members' free shipping when the buyer is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from acp import webhooks
from acp.models import ApiKey, CheckoutSession, PaymentToken, SessionLine
from acp.protocol import AcpError, json_path
from auth_mcp.models import Shopper
from checkout_mcp.models import MAX_QUANTITY, Order
from checkout_mcp.services import Line, record_order
from membership_mcp.models import is_member
from search_mcp.catalogs import CatalogProduct, LocalCatalog
from search_mcp.models import Product
from shop.payments.idempotency import IdempotencyKeyReused, Pay, charge_once
from shop.payments.money import CENT, Totals, minor_units, shipping_for

SHIPPING_COUNTRY = "US"
PAYMENT_HANDLER_ID = "card_tokenized"


@dataclass(frozen=True)
class ShippingOption:
    id: str
    title: str
    description: str
    carrier: str
    days: tuple[int, int]
    fee: Decimal


def shipping_options(subtotal: Decimal, *, member: bool) -> list[ShippingOption]:
    """Standard follows the shop's rule (free for members and over the threshold); express always costs."""
    return [
        ShippingOption(
            "standard",
            "Standard",
            "Arrives in 3-5 business days",
            "USPS",
            (3, 5),
            shipping_for(subtotal, member=member),
        ),
        ShippingOption(
            "express", "Express", "Arrives in 1-2 business days", "UPS", (1, 2), settings.EXPRESS_SHIPPING_FEE
        ),
    ]


@dataclass(frozen=True)
class Priced:
    """A session's lines and what they cost, everything in Decimal dollars."""

    lines: list[SessionLine]
    line_taxes: list[Decimal]
    options: list[ShippingOption]
    selected: ShippingOption | None
    totals: Totals
    member: bool


def buyer_email(session: CheckoutSession) -> str | None:
    email = (session.buyer or {}).get("email") or (session.fulfillment_details or {}).get("email")
    return email if isinstance(email, str) and email else None


def known_shopper(session: CheckoutSession) -> Shopper | None:
    email = buyer_email(session)
    return Shopper.objects.find_by_email(email) if email else None


def price(session: CheckoutSession) -> Priced:
    lines = list(session.lines.all())
    shopper = known_shopper(session)
    member = shopper is not None and is_member(shopper.pk)
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    options = shipping_options(subtotal, member=member) if ships(session) and lines else []
    selected = next((option for option in options if option.id == session.fulfillment_option_id), None)
    totals = Totals.of(subtotal, shipping=selected.fee if selected else Decimal("0.00"))
    return Priced(lines, allocate_tax(lines, totals.tax), options, selected, totals, member)


def allocate_tax(lines: list[SessionLine], tax: Decimal) -> list[Decimal]:
    """Each line's share of the order's tax, to the cent, adding up to it exactly.

    The shop taxes the subtotal once (one rounding); lines get their share rounded half up, and
    the last line takes the cent or two the roundings left over.
    """
    if not lines:
        return []
    subtotal = sum((line.line_total for line in lines), Decimal("0"))
    if not subtotal:
        return [Decimal("0.00")] * len(lines)
    shares = [(tax * line.line_total / subtotal).quantize(CENT, rounding=ROUND_HALF_UP) for line in lines]
    shares[-1] += tax - sum(shares, Decimal("0"))
    return shares


def ships(session: CheckoutSession) -> bool:
    address = session.address
    return address is not None and str(address.get("country", "")).upper() == SHIPPING_COUNTRY


def refresh_status(session: CheckoutSession) -> None:
    """An open session is ready for payment once it has items and a US address with a shipping option."""
    if session.status in (CheckoutSession.Status.COMPLETED, CheckoutSession.Status.CANCELED):
        return
    ready = session.lines.exists() and ships(session) and bool(session.fulfillment_option_id)
    session.status = CheckoutSession.Status.READY if ready else CheckoutSession.Status.NOT_READY


def catalog_product(product_id: str) -> CatalogProduct | None:
    row = Product.objects.filter(tcin=product_id).first()
    return LocalCatalog.to_product(row) if row else None


def set_items(session: CheckoutSession, items: list[dict[str, Any]]) -> None:
    """Replace the session's lines with `items`; the same id twice adds up its quantities."""
    wanted: dict[str, tuple[CatalogProduct, int, int]] = {}
    for index, item in enumerate(items):
        product = catalog_product(item["id"])
        if product is None:
            raise AcpError(
                f"There is no product with id {item['id']!r}. Use an id from the product feed.",
                code="invalid_item_id",
                param=json_path(["line_items", index, "id"]),
            )
        _, before, _ = wanted.get(product.id, (product, 0, index))
        quantity = before + item.get("quantity", 1)
        if quantity > MAX_QUANTITY:
            raise AcpError(
                f"At most {MAX_QUANTITY} of one product per order; this asks for {quantity} of {product.title}.",
                code="quantity_exceeded",
                param=json_path(["line_items", index, "quantity"]),
            )
        wanted[product.id] = (product, quantity, index)
    session.lines.all().delete()
    SessionLine.objects.bulk_create(
        SessionLine(
            session=session,
            product_id=product.id,
            title=product.title,
            image=product.image or "",
            unit_price=product.price,
            quantity=quantity,
        )
        for product, quantity, _ in wanted.values()
    )


def apply(session: CheckoutSession, data: dict[str, Any]) -> None:
    """Apply a create or update request's fields (absent ones are left as they are) and reprice."""
    if "line_items" in data:
        set_items(session, data["line_items"])
    if "buyer" in data:
        session.buyer = data["buyer"]
    if "fulfillment_details" in data:
        session.fulfillment_details = data["fulfillment_details"]
        if not ships(session):
            session.fulfillment_option_id = ""
        elif not session.fulfillment_option_id:
            session.fulfillment_option_id = "standard"
    for index, chosen in enumerate(data.get("selected_fulfillment_options") or []):
        offered = [option.id for option in price(session).options]
        if chosen["option_id"] not in offered:
            raise AcpError(
                f"There is no fulfillment option {chosen['option_id']!r} for this session"
                + (f"; choose one of {', '.join(offered)}." if offered else "; add a US shipping address first."),
                param=json_path(["selected_fulfillment_options", index, "option_id"]),
            )
        session.fulfillment_option_id = chosen["option_id"]
    session.declined = ""
    refresh_status(session)
    session.updated_at = timezone.now()
    session.save()


def create(api_key: ApiKey, data: dict[str, Any]) -> CheckoutSession:
    with transaction.atomic():
        session = CheckoutSession.objects.create(api_key=api_key, currency=data.get("currency", "usd"))
        apply(session, data)
    return session


def open_session(api_key: ApiKey, session_id: str, *, lock: bool = False) -> CheckoutSession:
    """The caller's session: another platform's sessions do not exist for it."""
    sessions = CheckoutSession.objects.filter(api_key=api_key)
    if lock:
        sessions = sessions.select_for_update()
    session = sessions.filter(pk=session_id).first()
    if session is None:
        raise AcpError(f"Checkout session {session_id!r} does not exist.", code="not_found", status=404, param="$.id")
    return session


def refuse_if_closed(session: CheckoutSession) -> None:
    if session.status in (CheckoutSession.Status.COMPLETED, CheckoutSession.Status.CANCELED):
        raise AcpError(
            f"Checkout session {session.id} is {session.status} and can no longer change.",
            code="invalid",
            status=405 if session.status == CheckoutSession.Status.CANCELED else 400,
        )


def update(api_key: ApiKey, session_id: str, data: dict[str, Any]) -> CheckoutSession:
    with transaction.atomic():
        session = open_session(api_key, session_id, lock=True)
        refuse_if_closed(session)
        apply(session, data)
    return session


def cancel(api_key: ApiKey, session_id: str) -> CheckoutSession:
    with transaction.atomic():
        session = open_session(api_key, session_id, lock=True)
        if session.status in (CheckoutSession.Status.COMPLETED, CheckoutSession.Status.CANCELED):
            raise AcpError(f"Checkout session {session.id} is already {session.status}.", code="invalid", status=405)
        session.status = CheckoutSession.Status.CANCELED
        session.updated_at = timezone.now()
        session.save(update_fields=["status", "updated_at"])
    return session


def buyer_for_order(session: CheckoutSession) -> Shopper:
    """The shopper the order is for: the one with the buyer's email, or a new guest shopper."""
    email = buyer_email(session)
    if email is None:
        raise AcpError(
            "Send the buyer (at least their email) to complete the checkout.", code="missing", param="$.buyer"
        )
    shopper = Shopper.objects.find_by_email(email)
    if shopper is not None:
        return shopper
    buyer = session.buyer or {}
    name = buyer.get("full_name") or " ".join(filter(None, [buyer.get("first_name"), buyer.get("last_name")]))
    name = name or (session.fulfillment_details or {}).get("name") or email
    address = session.address or {}
    return Shopper.objects.create_shopper(
        name=name,
        email=email,
        password=None,
        phone=buyer.get("phone_number", ""),
        address_line1=address.get("line_one", ""),
        address_line2=address.get("line_two", ""),
        city=address.get("city", ""),
        state=address.get("state", ""),
        postal_code=address.get("postal_code", ""),
    )


TOKEN_PARAM = "$.payment_data.instrument.credential.token"
TOKEN_USED = "This payment token was already used; its allowance is one_time."


def usable_token(session: CheckoutSession, token_id: str, amount: int) -> PaymentToken:
    """The delegated token, locked, if its allowance covers this session and `amount` cents.

    The allowance names the session, so a token serves whichever transport (and its key) the
    agent completes the session through: REST or the MCP binding.
    """
    token = PaymentToken.objects.select_for_update().filter(pk=token_id).first()
    problem = None
    if token is None:
        problem = "This payment token does not exist."
    elif token.used_at is not None:
        problem = TOKEN_USED
    elif token.expires_at <= timezone.now():
        problem = "This payment token's allowance expired."
    elif token.merchant_id != settings.ACP_MERCHANT_ID:
        problem = f"This payment token is for merchant {token.merchant_id!r}, not {settings.ACP_MERCHANT_ID!r}."
    elif token.checkout_session_id != session.id:
        problem = "This payment token's allowance is for another checkout session."
    elif token.currency != session.currency:
        problem = f"This payment token's allowance is in {token.currency}, the session in {session.currency}."
    elif token.max_amount < amount:
        problem = f"The total, {amount} minor units, is over the token's allowance of {token.max_amount}."
    if problem is not None or token is None:
        raise AcpError(problem or "", code="invalid", param=TOKEN_PARAM)
    return token


def complete(api_key: ApiKey, session_id: str, data: dict[str, Any]) -> CheckoutSession:
    """Charge the delegated token and record the order: the widget checkout's path (`charge_once`).

    The order's idempotency key is the token's id: a token pays for one attempt, so charging it
    twice finds the order of the first attempt. A decline records a declined order, keeps the
    session's cart as it was and tells the agent in `messages`.
    """
    payment = data["payment_data"]
    if payment["handler_id"] != PAYMENT_HANDLER_ID:
        raise AcpError(f"Unknown payment handler; use {PAYMENT_HANDLER_ID!r}.", param="$.payment_data.handler_id")
    token_id = payment["instrument"]["credential"]["token"]
    with transaction.atomic():
        session = open_session(api_key, session_id, lock=True)
        if "buyer" in data and data["buyer"] != session.buyer:
            # A closed session keeps its buyer: else the order's lookup by token below would meet
            # another shopper's order and answer a misleading Idempotency-Key conflict (409).
            refuse_if_closed(session)
            session.buyer = data["buyer"]
            session.save(update_fields=["buyer"])
        shopper = buyer_for_order(session)

        def place(pay: Pay) -> Order:
            refuse_if_closed(session)
            if session.status != CheckoutSession.Status.READY:
                raise AcpError(
                    "The session is not ready for payment: add items and a US shipping address first.",
                    code="invalid",
                    param="$.status",
                )
            priced = price(session)
            token = usable_token(session, token_id, minor_units(priced.totals.total))
            token.used_at = timezone.now()
            token.save(update_fields=["used_at"])
            address = session.address or {}
            return record_order(
                shopper,
                [Line(line.product_id, line.title, line.unit_price, line.quantity) for line in priced.lines],
                priced.totals,
                pay(priced.totals.total),
                idempotency_key=f"acp-{token_id}",
                ship_to="\n".join(
                    filter(
                        None,
                        [
                            address.get("name"),
                            address.get("line_one"),
                            address.get("line_two"),
                            f"{address.get('city', '')}, {address.get('state', '')} {address.get('postal_code', '')}",
                        ],
                    )
                ),
                channel=Order.Channel.ACP,
            )

        token = PaymentToken.objects.filter(pk=token_id).first()
        try:
            order = charge_once(
                f"acp-{token_id}",
                shopper,
                records=Order.objects.all(),
                lock=CheckoutSession.objects.filter(pk=session.pk),
                attempt=place,
                purpose="checkout session",
                card=token,
            )
        except IdempotencyKeyReused:
            # The charge's key is the token, not the agent's Idempotency-Key: its earlier attempt
            # (a decline) was for another buyer, so the token is spent.
            raise AcpError(TOKEN_USED, code="invalid", param=TOKEN_PARAM) from None
        if order.status == Order.Status.PLACED and session.order_id is None:
            session.status = CheckoutSession.Status.COMPLETED
            session.order = order
            session.declined = ""
            session.save()
            # In the order's transaction: the event is sent if and only if the order exists.
            webhooks.record("order_create", order)
        else:
            session.declined = order.payment.decline_reason
        session.updated_at = timezone.now()
        session.save()
    return session


def delivery_window(session: CheckoutSession, option: ShippingOption) -> tuple[str, str]:
    # From the session's creation, so that every answer about the same session says the same.
    start = session.created_at.replace(microsecond=0)
    return tuple(  # type: ignore[return-value]
        (start + timedelta(days=days)).isoformat().replace("+00:00", "Z") for days in option.days
    )
