"""The checkout server (/mcp3): add products to the signed-in shopper's cart and check out."""

from __future__ import annotations

from typing import Annotated

from channels.db import database_sync_to_async
from django.conf import settings
from pydantic import BaseModel, Field

from analytics.tagging import tag_widget
from auth_mcp.models import ShopperSession
from auth_mcp.tools import SignedInSessionId as SessionId
from checkout_mcp import services
from checkout_mcp.models import MAX_QUANTITY, CartItem, UnknownProduct
from mcp_engine import MCPServer, ToolResult
from search_mcp.catalogs import active_catalog
from search_mcp.services import find_product
from shop import scopes
from shop.errors import ShopError
from shop.payments.idempotency import IdempotencyKey
from shop.payments.money import Price, tax_rate_percent

server = MCPServer(
    name="target-checkout",
    version="1.0.0",
    title="Target checkout",
    instructions=(
        "Manage the signed-in shopper's cart and check out. Products are added by id from a search "
        "result; prices always come from the catalog. A signed-in session (sessionId) is required."
    ),
    principal_argument="sessionId",
    expected_errors=(ShopError,),
)

add_to_cart_widget = server.widget(
    "add-to-cart",
    title="Add to Cart",
    description=(
        "Confirms the product just added, with its price, quantity and the cart's item count. The "
        "shopper can press Checkout, which asks you to call checkout; no need to repeat the details."
    ),
    prefers_border=True,
    resource_domains=lambda: active_catalog().image_origins,
    # The app's own origin, where the widget runtime sends its events.
    connect_domains=lambda: [settings.PUBLIC_BASE_URL],
)
checkout_widget = server.widget(
    "checkout",
    title="Checkout",
    description=(
        "The order summary (lines, subtotal, shipping, tax, total), shipping address and card on file, "
        "with a Complete purchase button. The shopper completes the purchase in the widget; it shows "
        "the order number or why the card was declined. Never ask for card details in chat."
    ),
    prefers_border=True,
    # The app's own origin, where the widget runtime sends its events.
    connect_domains=lambda: [settings.PUBLIC_BASE_URL],
)

ProductId = Annotated[
    str,
    Field(
        description='The product id (TCIN) from search-target-products, e.g. "38098260".',
        pattern=r"^\d{6,12}$",
    ),
]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description=f"How many to add, 1 to {MAX_QUANTITY}.")]


class CartLine(BaseModel):
    productId: str
    title: str
    unitPrice: Price
    quantity: int
    lineTotal: Price

    @classmethod
    def of(cls, item: CartItem) -> CartLine:
        return cls(
            productId=item.product_id,
            title=item.title,
            unitPrice=f"{item.unit_price:.2f}",
            quantity=item.quantity,
            lineTotal=f"{item.line_total:.2f}",
        )


class AddedToCart(BaseModel):
    sessionId: str
    line: CartLine = Field(description="The product's line in the cart after this addition.")
    quantityAdded: int
    cartCount: int = Field(description="Items in the cart, counting quantities.")


class RemovedFromCart(BaseModel):
    sessionId: str
    productId: str
    quantityRemoved: int
    remaining: int = Field(description="How many of this product are still in the cart.")
    cartCount: int = Field(description="Items in the cart, counting quantities.")


class PlacedOrder(BaseModel):
    sessionId: str
    orderNumber: str
    status: str
    itemCount: int
    subtotal: Price
    shipping: Price
    tax: Price
    total: Price
    shipTo: list[str]
    payment: str = Field(description='The card charged, masked, e.g. "Visa •••• 4242".')


class CheckoutSummary(BaseModel):
    sessionId: str
    lines: list[CartLine]
    itemCount: int = Field(description="Items in the cart, counting quantities.")
    subtotal: Price
    shipping: Price
    tax: Price
    total: Price
    taxRate: str = Field(description='The sales tax rate applied, e.g. "8.75%".')
    circle360Member: bool = Field(description="Circle 360 members get free shipping.")
    shipTo: list[str] = Field(description="The shipping address on file, one line each; empty if none.")
    payment: str | None = Field(description='The card on file, masked, e.g. "Visa •••• 4242, expires 12/2028".')
    version: str = Field(description="Identifies exactly this summary; completing the purchase must send it back.")


@server.tool(
    name="add-to-cart",
    title="Add to cart",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
    widget=add_to_cart_widget,
    scopes=(scopes.CART,),
    invoking="Adding to cart",
    invoked="Added to cart",
)
async def add_to_cart(sessionId: SessionId, productId: ProductId, quantity: Quantity = 1) -> ToolResult[AddedToCart]:
    """Add a product to the signed-in shopper's cart by its id from search-target-products.

    Adding a product that is already in the cart raises its quantity (at most 99 per product). The
    price always comes from Target's catalog. Needs a signed-in sessionId: if the shopper is not
    signed in, call authenticate-target first. Call checkout when the shopper wants to pay.
    """
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    product = await find_product(productId)
    if product is None:
        raise UnknownProduct(
            f"There is no product with id {productId}. Search with search-target-products and pass "
            "one of the ids it returns."
        )
    added = await database_sync_to_async(services.add_to_cart)(session, product, quantity)
    line = CartLine.of(added.item)
    units = added.cart_units
    return ToolResult(
        AddedToCart(sessionId=session.handle, line=line, quantityAdded=quantity, cartCount=units),
        text=(
            f"Added {quantity} × {line.title} (${line.unitPrice} each) to the cart; it now has {line.quantity} "
            f"of it and {units} item{'s' if units != 1 else ''} in all. Keep shopping, or call checkout with this "
            "sessionId when the shopper is ready."
        ),
        meta={"image": added.item.image or None, **(await tag_widget(add_to_cart_widget.name, sessionId)).meta()},
    )


@server.tool(
    name="remove-from-cart",
    title="Remove from cart",
    read_only=False,
    destructive=True,
    idempotent=False,
    open_world=False,
    invoking="Removing from cart",
    invoked="Removed from cart",
)
async def remove_from_cart(
    sessionId: SessionId,
    productId: ProductId,
    quantity: Annotated[
        int | None,
        Field(ge=1, le=MAX_QUANTITY, description="How many to take out; leave it out to remove the product entirely."),
    ] = None,
) -> ToolResult[RemovedFromCart]:
    """Take a product out of the signed-in shopper's cart, or lower its quantity.

    Use the productId of a cart line (checkout lists them). Call checkout again afterwards to show
    the shopper the new total before they pay.
    """
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    removed = await database_sync_to_async(services.remove_from_cart)(session, productId, quantity)
    units = removed.cart_units
    left = f"{removed.remaining} of it remain" if removed.remaining else "it is no longer in the cart"
    return ToolResult(
        RemovedFromCart(
            sessionId=session.handle,
            productId=productId,
            quantityRemoved=removed.quantity_removed,
            remaining=removed.remaining,
            cartCount=units,
        ),
        text=(
            f"Removed {removed.quantity_removed} × {removed.title}; {left}. The cart has {units} "
            f"item{'s' if units != 1 else ''}. Call checkout to show the new total."
        ),
    )


@server.tool(
    name="checkout",
    title="Check out",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    widget=checkout_widget,
    scopes=(scopes.CART, scopes.ORDERS),
    invoking="Preparing checkout",
    invoked="Checkout ready",
)
async def checkout(sessionId: SessionId) -> ToolResult[CheckoutSummary]:
    """Show the checkout for the signed-in shopper's cart: lines, subtotal, shipping, tax, total,
    shipping address and card on file, with a Complete purchase button.

    The shopper completes the purchase in the widget, never in chat; it then shows the order number
    or why the card was declined. Needs a signed-in sessionId (call authenticate-target first) and
    a cart with something in it (add-to-cart).
    """
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    summary = await database_sync_to_async(services.summarize)(session)
    money = summary.totals.as_strings()
    output = CheckoutSummary(
        sessionId=session.handle,
        lines=[CartLine.of(item) for item in summary.items],
        itemCount=summary.units,
        taxRate=tax_rate_percent(),
        circle360Member=summary.member,
        shipTo=summary.ship_to,
        payment=summary.card,
        version=summary.version,
        **money,
    )
    shipping = "free" if summary.totals.shipping == 0 else f"${output.shipping}"
    text = (
        f"Checkout is ready: {output.itemCount} item{'s' if output.itemCount != 1 else ''}, subtotal "
        f"${output.subtotal}, shipping {shipping}"
        f"{' (Circle 360 member)' if summary.member else ''}, tax ${output.tax} ({output.taxRate}), total "
        f"${output.total}. The shopper reviews it and presses Complete purchase in the checkout above; "
        "don't ask for payment details in chat."
    )
    if summary.card is None:
        text += (
            " There is no card on the shopper's account, so they can't pay yet: the checkout tells them to add "
            "one on target.com (Account → Payments) and then ask to check out again. Never take card details in chat."
        )
    tag = await tag_widget(checkout_widget.name, sessionId)
    return ToolResult(output, text=text, meta=tag.meta())


@server.tool(
    name="complete-purchase",
    title="Complete purchase",
    read_only=False,
    destructive=False,
    idempotent=True,
    open_world=False,
    # The checkout widget's button, through the host: the shopper's own decision, never the model's.
    visibility=("app",),
    invoking="Placing the order",
    invoked="Order placed",
)
async def complete_purchase(
    sessionId: SessionId,
    idempotencyKey: IdempotencyKey,
    version: Annotated[
        str, Field(min_length=1, max_length=64, description="The version of the checkout summary the shopper reviewed.")
    ],
) -> ToolResult[PlacedOrder]:
    """Place the order for the signed-in shopper's cart, charging the card on file. Called by the
    checkout widget when the shopper presses Complete purchase."""
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    order = await database_sync_to_async(services.purchase)(session, idempotencyKey, version)
    lines = list(order.lines.all())
    output = PlacedOrder(
        sessionId=session.handle,
        orderNumber=order.number,
        status=order.status,
        itemCount=sum(line.quantity for line in lines),
        subtotal=f"{order.subtotal:.2f}",
        shipping=f"{order.shipping:.2f}",
        tax=f"{order.tax:.2f}",
        total=f"{order.total:.2f}",
        shipTo=order.ship_to.splitlines(),
        payment=f"{order.payment.card_brand or 'Card'} •••• {order.payment.card_last4}",
    )
    return ToolResult(
        output,
        text=(
            f"The shopper completed the purchase: order {output.orderNumber}, {output.itemCount} "
            f"item{'s' if output.itemCount != 1 else ''}, ${output.total} charged to {output.payment}. "
            "The cart is now empty."
        ),
    )
