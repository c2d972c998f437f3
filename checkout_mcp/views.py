"""The checkout widget's callback: complete the purchase (idempotent, see shop.api)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from auth_mcp.models import ShopperSession
from checkout_mcp import services
from checkout_mcp.serializers import CompletePurchaseSerializer, OrderSerializer
from shop.api import IdempotentCallbackView
from shop.openapi import IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER, charge_responses, error


class CompletePurchaseView(IdempotentCallbackView):
    """Place the order for the session's cart, charging the shopper's card on file, if the cart is
    still what the shopper reviewed (the summary's version)."""

    serializer_class = CompletePurchaseSerializer

    @extend_schema(
        operation_id="checkout_complete",
        tags=["checkout"],
        request=CompletePurchaseSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=charge_responses(
            OrderSerializer,
            error(
                "The cart is empty (cart_empty) or changed since the shopper reviewed it (cart_changed), "
                "there is no card on file (no_card_on_file), or the Idempotency-Key was used for another "
                "purchase (idempotency_key_reused).",
                "cart_empty",
                "Your cart is empty. Add something to it before completing the purchase.",
            ),
        ),
    )
    def post(self, request: Request) -> Response:
        data, key = self.validated_with_key(request)
        session = ShopperSession.objects.get_signed_in(data["sessionId"])
        return Response(OrderSerializer(services.purchase(session, key, data["version"])).data)
