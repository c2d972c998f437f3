"""The checkout widget's callback: its request body and the order it answers with."""

from __future__ import annotations

from rest_framework import serializers

from checkout_mcp.models import Order, OrderLine, Payment
from shop.api import SessionSerializer


class CompletePurchaseSerializer(SessionSerializer):
    """The session, and the version of the checkout summary the shopper reviewed and agreed to pay."""

    version = serializers.CharField(
        max_length=64,
        error_messages={
            "required": "version is missing: send the version of the checkout summary the shopper reviewed.",
            "blank": "version is empty: send the version of the checkout summary the shopper reviewed.",
            "max_length": "version is too long to be a checkout summary version.",
        },
    )


class OrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    productId = serializers.CharField(source="product_id")
    unitPrice = serializers.DecimalField(source="unit_price", max_digits=10, decimal_places=2)
    lineTotal = serializers.DecimalField(source="line_total", max_digits=12, decimal_places=2)

    class Meta:
        model = OrderLine
        fields = ["productId", "title", "unitPrice", "quantity", "lineTotal"]


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    cardBrand = serializers.CharField(source="card_brand")
    cardLast4 = serializers.CharField(source="card_last4")

    class Meta:
        model = Payment
        fields = ["status", "amount", "cardBrand", "cardLast4"]


class OrderSerializer(serializers.ModelSerializer[Order]):
    orderNumber = serializers.CharField(source="number")
    shipTo = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    lines = OrderLineSerializer(many=True)
    payment = PaymentSerializer()

    class Meta:
        model = Order
        fields = [
            "orderNumber",
            "status",
            "lines",
            "subtotal",
            "shipping",
            "tax",
            "total",
            "shipTo",
            "payment",
            "createdAt",
        ]

    def get_shipTo(self, order: Order) -> list[str]:  # noqa: N802 - DRF names it after the wire field
        return order.ship_to.splitlines()
