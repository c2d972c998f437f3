"""The order the checkout widget's callback answers with (its request body is shop.api's SessionSerializer)."""

from __future__ import annotations

from rest_framework import serializers

from checkout_mcp.models import Order, OrderLine, Payment


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
