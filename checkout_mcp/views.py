"""Callbacks the checkout and Circle 360 widgets post to.

Like the sign-in callbacks, they run without cookies: the sessionId in the body is the only
credential. Money-moving callbacks also need an Idempotency-Key header, so a retried or doubled
request never charges twice.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from auth_mcp.openapi import COMMON_ERRORS, RETRY_AFTER, error
from auth_mcp.views import SignInThrottle, error_body, sign_in_exception_handler
from checkout_mcp import services
from checkout_mcp.models import CardDeclined, CheckoutError, Order
from checkout_mcp.serializers import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_HINT,
    IDEMPOTENCY_KEY_PATTERN,
    IdempotencyKeySerializer,
    OrderSerializer,
    SessionSerializer,
    header_data,
)


def shop_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Checkout failures as {"error": {code, message, field}}; the rest as the sign-in callbacks answer."""
    if isinstance(exc, CheckoutError):
        return Response(error_body(exc.code, exc.message, exc.field), status=exc.status)
    if isinstance(exc, exceptions.Throttled):
        response = sign_in_exception_handler(exc, context)
        if response is not None:
            wait = f" Try again in {int(exc.wait) + 1} seconds." if exc.wait is not None else ""
            response.data = error_body("rate_limited", f"Too many requests for this session.{wait}")
        return response
    return sign_in_exception_handler(exc, context)


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        f"Required: {IDEMPOTENCY_KEY_HINT}. A repeat with the same key answers the first attempt's result "
        "and never charges twice; the same key for a different session or request is refused (409)."
    ),
)


def shop_responses(ok: Any, conflict: OpenApiResponse) -> dict[int, Any]:
    """The answers of a money-moving callback."""
    return {
        200: ok,
        **COMMON_ERRORS,
        402: error(
            "The card on file was declined; nothing was charged.",
            "card_declined",
            "Your card was declined. Nothing was charged and your cart is unchanged.",
        ),
        403: error(
            "The session is not signed in.",
            "not_signed_in",
            "The shopper is not signed in on session ... Call authenticate-target with this sessionId.",
            "sessionId",
        ),
        409: conflict,
    }


class PerSessionShopThrottle(SignInThrottle):
    scope = "shop_session"
    rate_setting = "SHOP_RATE_PER_SESSION"
    subject = "sessionId"


class IdempotentCallbackView(APIView):
    """Base for money-moving widget callbacks: no cookies, a validated body and Idempotency-Key."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes = [PerSessionShopThrottle]
    serializer_class: type[Serializer[Any]] = SessionSerializer

    def get_exception_handler(self) -> Any:
        return shop_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Throttles key on body fields, so they first run (as no-ops) before the body is validated.
        self.throttle_subjects: dict[str, Any] = {}
        super().initial(request, *args, **kwargs)

    def validated(self, request: Request) -> tuple[dict[str, Any], str]:
        """(the validated body, the idempotency key)."""
        body = self.serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        header = IdempotencyKeySerializer(data=header_data(request))
        header.is_valid(raise_exception=True)
        self.throttle_subjects = dict(body.validated_data)
        self.check_throttles(request)
        return dict(body.validated_data), header.validated_data[IDEMPOTENCY_KEY_HEADER]


class CompletePurchaseView(IdempotentCallbackView):
    """Place the order for the session's cart, charging the shopper's card on file."""

    @extend_schema(
        operation_id="checkout_complete",
        tags=["checkout"],
        request=SessionSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=shop_responses(
            OrderSerializer,
            error(
                "The cart is empty (cart_empty), there is no card on file (no_card_on_file), or the "
                "Idempotency-Key was used for another purchase (idempotency_key_reused).",
                "cart_empty",
                "Your cart is empty. Add something to it before completing the purchase.",
            ),
        ),
    )
    def post(self, request: Request) -> Response:
        data, key = self.validated(request)
        session, _ = services.get_signed_in_session(data["sessionId"])
        placed = services.complete_purchase(session, key)
        # Always answered from the stored order, so every request with this key gets the same body.
        order = Order.objects.select_related("payment").prefetch_related("lines").get(pk=placed.pk)
        if order.status == Order.Status.DECLINED:
            raise CardDeclined(
                f"{order.payment.decline_reason} Nothing was charged and your cart is unchanged. "
                "Use a different card on your Target account, then try again."
            )
        return Response(OrderSerializer(order).data)
