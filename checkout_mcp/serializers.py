"""The checkout widget's callback: its request body and header, and the order it answers with."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from auth_mcp.serializers import SESSION_ID_MESSAGES
from checkout_mcp.models import IDEMPOTENCY_KEY_MAX_LENGTH, Order, OrderLine, Payment

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = rf"^[A-Za-z0-9_.:-]{{8,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$"
IDEMPOTENCY_KEY_HINT = "a new random value, such as a UUID, for each attempt"


class SessionSerializer(serializers.Serializer[dict[str, str]]):
    sessionId = serializers.CharField(max_length=64, error_messages=SESSION_ID_MESSAGES)


class IdempotencyKeySerializer(serializers.Serializer[dict[str, str]]):
    """The Idempotency-Key header, validated like a body field so errors name it the same way."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            IDEMPOTENCY_KEY_HEADER: serializers.RegexField(
                IDEMPOTENCY_KEY_PATTERN,
                error_messages={
                    "required": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "null": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "blank": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "invalid": (
                        f"{IDEMPOTENCY_KEY_HEADER} must be 8 to {IDEMPOTENCY_KEY_MAX_LENGTH} letters, digits, "
                        f"'-', '_', '.' or ':' ({IDEMPOTENCY_KEY_HINT})."
                    ),
                },
            )
        }


def header_data(request: Any) -> dict[str, str]:
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    return {} if key is None else {IDEMPOTENCY_KEY_HEADER: key}


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
