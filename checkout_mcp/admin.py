from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from checkout_mcp.models import Cart, CartItem, Order, OrderLine, Payment

ModelT = TypeVar("ModelT", bound=Model)


class CartItemInline(admin.TabularInline[CartItem, Cart]):
    model = CartItem
    extra = 0
    fields = ["product_id", "title", "unit_price", "quantity", "added_at"]
    readonly_fields = ["added_at"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin[Cart]):
    list_display = ["__str__", "shopper", "item_count", "updated_at"]
    list_filter = ["updated_at"]
    search_fields = ["shopper__name", "shopper__email", "session__handle", "items__product_id", "items__title"]
    list_select_related = ["shopper", "session"]
    raw_id_fields = ["session", "shopper"]
    readonly_fields = ["created_at"]
    inlines = [CartItemInline]

    @admin.display(description="Items")
    def item_count(self, cart: Cart) -> int:
        return sum(item.quantity for item in cart.items.all())

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("items")


class ReadOnlyInline(admin.TabularInline[ModelT, Order]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline[OrderLine]):
    model = OrderLine
    fields = ["product_id", "title", "unit_price", "quantity", "line_total"]


class PaymentInline(ReadOnlyInline[Payment]):
    model = Payment
    fields = ["status", "amount", "card_brand", "card_last4", "decline_code", "decline_reason", "created_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    """Orders are records of what happened: viewable and searchable, never edited."""

    list_display = ["number", "shopper", "status", "channel", "fulfillment", "total", "created_at"]
    list_filter = ["status", "channel", "fulfillment", "created_at"]
    actions = ["mark_shipped", "cancel_orders"]
    search_fields = ["number", "shopper__name", "shopper__email", "idempotency_key", "lines__product_id"]
    list_select_related = ["shopper"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "shopper",
        "session",
        "status",
        "channel",
        "fulfillment",
        "subtotal",
        "shipping",
        "tax",
        "total",
        "tax_rate",
        "ship_to",
        "idempotency_key",
        "created_at",
    ]
    inlines = [OrderLineInline, PaymentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Mark selected orders shipped")
    def mark_shipped(self, request: HttpRequest, orders: QuerySet[Order]) -> None:
        self._change(request, orders, Order.Fulfillment.SHIPPED)

    @admin.action(description="Cancel selected orders")
    def cancel_orders(self, request: HttpRequest, orders: QuerySet[Order]) -> None:
        self._change(request, orders, Order.Fulfillment.CANCELED)

    def _change(self, request: HttpRequest, orders: QuerySet[Order], fulfillment: str) -> None:
        changed = [order.number for order in orders if order.change_fulfillment(fulfillment)]
        skipped = orders.count() - len(changed)
        label = Order.Fulfillment(fulfillment).label.lower()
        self.message_user(
            request, f"{len(changed)} order(s) {label}." + (f" {skipped} could not change." if skipped else "")
        )


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin[Payment]):
    list_display = ["order", "status", "amount", "card_brand", "card_last4", "decline_reason", "created_at"]
    list_filter = ["status", "card_brand", "decline_code"]
    search_fields = ["order__number", "order__shopper__email", "card_last4"]
    list_select_related = ["order"]
    readonly_fields = [
        "order",
        "status",
        "amount",
        "card_brand",
        "card_last4",
        "decline_code",
        "decline_reason",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
