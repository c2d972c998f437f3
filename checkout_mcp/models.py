"""Carts, orders and their (simulated) payments.

A cart belongs to one signed-in shopper session. Completing a purchase turns it into an Order:
the lines, prices and totals are copied at that moment, so later catalog changes never alter an
order. Each attempt carries the caller's idempotency key, unique in the database, which is what
makes a repeated or concurrent "Complete purchase" produce one order.
"""

from __future__ import annotations

import secrets
import string
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from auth_mcp.models import Shopper, ShopperSession
from shop.errors import ShopError
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH
from shop.payments.money import same_cents

MAX_QUANTITY = 99
ORDER_NUMBER_PREFIX = "TGT-"
ORDER_NUMBER_ALPHABET = string.ascii_uppercase + string.digits
ORDER_NUMBER_RANDOM_CHARS = 9


def new_order_number() -> str:
    """TGT- and 9 random base-36 characters (about 46 bits), the order number the shopper sees."""
    return ORDER_NUMBER_PREFIX + "".join(
        secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_RANDOM_CHARS)
    )


class UnknownProduct(ShopError):
    code = "unknown_product"
    status = 404
    field = "productId"


class NotInCart(ShopError):
    code = "not_in_cart"
    status = 404
    field = "productId"


class QuantityLimit(ShopError):
    code = "quantity_limit"
    field = "quantity"


class EmptyCart(ShopError):
    code = "cart_empty"
    status = 409


class CartChanged(ShopError):
    """The cart is no longer what the shopper reviewed: nothing is charged and the cart stays."""

    code = "cart_changed"
    status = 409
    field = "version"


class Cart(models.Model):
    """The shopper's cart for one signed-in session."""

    session = models.OneToOneField(ShopperSession, on_delete=models.CASCADE, related_name="cart")
    shopper = models.ForeignKey(Shopper, on_delete=models.CASCADE, related_name="carts")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Cart of {self.shopper.name} ({self.session.handle})"


class CartItemQuerySet(models.QuerySet["CartItem"]):
    async def acount_units(self) -> int:
        counted = await self.aaggregate(units=Sum("quantity"))
        return int(counted["units"] or 0)


class CartItem(models.Model):
    """One product in a cart. Title and price are the catalog's when it was first added."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product_id = models.CharField("product id (TCIN)", max_length=12)
    title = models.CharField(max_length=200)
    image = models.URLField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CartItemQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product_id"], name="checkout_mcp_cartitem_one_line_per_product"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="checkout_mcp_cartitem_quantity_range"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="checkout_mcp_cartitem_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class Order(models.Model):
    """One purchase attempt, with everything the summary showed copied at that moment.

    A declined payment is kept as an order in status "payment declined" (as shop systems record
    failed orders), so that a retry with the same idempotency key gets the same answer.
    """

    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        DECLINED = "declined", "Payment declined"

    class Channel(models.TextChoices):
        """The front door the order came through: the same cart, order and payment path behind each."""

        WIDGET = "widget", "Checkout widget (MCP)"
        ACP = "acp", "Agentic checkout (ACP)"

    class Fulfillment(models.TextChoices):
        """What staff did with a placed order since (the admin's "mark shipped" and "cancel")."""

        PENDING = "pending", "Not shipped yet"
        SHIPPED = "shipped", "Shipped"
        CANCELED = "canceled", "Canceled"

    number = models.CharField(max_length=13, unique=True, default=new_order_number, editable=False)
    shopper = models.ForeignKey(Shopper, on_delete=models.PROTECT, related_name="orders")
    session = models.ForeignKey(ShopperSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WIDGET)
    fulfillment = models.CharField(max_length=16, choices=Fulfillment.choices, default=Fulfillment.PENDING)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, help_text="The rate applied, e.g. 0.08750.")
    ship_to = models.TextField(help_text="The shipping address as it was when the order was placed.")
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH, unique=True, editable=False)
    # The checkout summary version the shopper paid for: a replayed key must come with it.
    cart_version = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, shipping__gte=0, tax__gte=0),
                name="checkout_mcp_order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=same_cents(F("total"), F("subtotal") + F("shipping") + F("tax")),
                name="checkout_mcp_order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["placed", "declined"]), name="checkout_mcp_order_status_valid"
            ),
            models.CheckConstraint(condition=Q(channel__in=["widget", "acp"]), name="checkout_mcp_order_channel_valid"),
            models.CheckConstraint(
                condition=Q(fulfillment="pending") | Q(status="placed", fulfillment__in=["shipped", "canceled"]),
                name="checkout_mcp_order_only_placed_orders_ship_or_cancel",
            ),
            models.CheckConstraint(
                condition=Q(number__startswith=ORDER_NUMBER_PREFIX) & Q(Exact(Length("number"), 13)),
                name="checkout_mcp_order_number_format",
            ),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="checkout_mcp_order_idempotency_key_present"),
        ]

    def __str__(self) -> str:
        return self.number

    def change_fulfillment(self, fulfillment: str) -> bool:
        """Mark a placed, pending order shipped or canceled, telling `order_changed` listeners in the
        same transaction; False (and nothing told) when the order cannot change so."""
        from checkout_mcp.signals import order_changed

        if self.status != self.Status.PLACED or self.fulfillment != self.Fulfillment.PENDING:
            return False
        with transaction.atomic():
            self.fulfillment = fulfillment
            self.save(update_fields=["fulfillment"])
            order_changed.send(sender=Order, order=self)
        return True


class OrderLine(models.Model):
    """A cart line copied into an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product_id = models.CharField("product id (TCIN)", max_length=12)
    title = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="checkout_mcp_orderline_quantity_range"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(same_cents(F("line_total"), F("unit_price") * F("quantity"))),
                name="checkout_mcp_orderline_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class Payment(models.Model):
    """The simulated charge for an order: what was charged to which card, or why it was declined."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment")
    status = models.CharField(max_length=16, choices=Status.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    decline_code = models.CharField(max_length=32, blank=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="checkout_mcp_payment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status="succeeded", decline_reason="") | Q(status="declined") & ~Q(decline_reason=""),
                name="checkout_mcp_payment_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=Exact(Length("card_last4"), 4), name="checkout_mcp_payment_card_last4_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.amount} on {self.card_brand} •••• {self.card_last4}"
