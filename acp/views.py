"""The Agentic Commerce Protocol's endpoints: discovery, the checkout-session API and the
delegated-payment stand-in. Every rule of the protocol lives in `acp.protocol.AcpView`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.request import Request
from rest_framework.response import Response

from acp import feed
from acp.models import ApiKey, CheckoutSession, PaymentToken
from acp.openapi import acp_openapi
from acp.operations import Operation, perform
from acp.protocol import (
    API_VERSION,
    IDEMPOTENCY_KEY_HEADER,
    SUPPORTED_API_VERSIONS,
    AcpError,
    AcpView,
    validation_error,
)
from acp.serializers import DelegatePaymentSerializer, card_brand, token_body
from acp.webhooks import order_body

DISCOVERY_MAX_AGE = 3600


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    """DiscoveryResponse: public and cacheable, so agents check support before their first call."""
    response = JsonResponse(
        {
            "protocol": {
                "name": "acp",
                "version": API_VERSION,
                "supported_versions": SUPPORTED_API_VERSIONS,
                "documentation_url": "https://agenticcommerce.dev",
            },
            "api_base_url": f"{settings.PUBLIC_BASE_URL}/acp",
            "transports": ["rest", "mcp"],
            "capabilities": {
                "services": ["checkout", "delegate_payment"],
                "supported_currencies": ["usd"],
                "supported_locales": ["en-US"],
            },
        }
    )
    response["Cache-Control"] = f"public, max-age={DISCOVERY_MAX_AGE}"
    return response


def caller(request: Request) -> ApiKey:
    # AcpView's permission admits only requests authenticated with an ApiKey.
    assert isinstance(request.user, ApiKey)
    return request.user


def answer(request: Request, operation: Operation, session_id: str | None = None) -> Response:
    status, body = perform(operation, caller(request), session_id, request.data)
    return Response(body, status=status)


class CheckoutSessionsView(AcpView):
    def post(self, request: Request) -> Response:
        return answer(request, Operation.CREATE)


class CheckoutSessionView(AcpView):
    def get(self, request: Request, session_id: str) -> Response:
        return answer(request, Operation.GET, session_id)

    def post(self, request: Request, session_id: str) -> Response:
        return answer(request, Operation.UPDATE, session_id)


class CompleteSessionView(AcpView):
    def post(self, request: Request, session_id: str) -> Response:
        return answer(request, Operation.COMPLETE, session_id)


class CancelSessionView(AcpView):
    def post(self, request: Request, session_id: str) -> Response:
        return answer(request, Operation.CANCEL, session_id)


class DelegatePaymentView(AcpView):
    """The PSP's side, simulated here: vault a card, answer a token usable once within an allowance.

    Nothing of the card is kept but its brand and last four digits, which pick the simulated
    processor's outcome (shop.payments.processor: 0002 declines, 9995 lacks funds, 0069 expired).
    """

    def post(self, request: Request) -> Response:
        incoming = DelegatePaymentSerializer(data=request.data)
        if not incoming.is_valid():
            # The delegate-payment spec's error codes are a closed list: invalid_card names them all.
            problem = validation_error(incoming.errors)
            problem.code = "invalid_card"
            raise problem
        data = incoming.validated_data
        card, allowance = data["payment_method"], data["allowance"]
        with transaction.atomic():
            token = PaymentToken.objects.create(
                api_key=caller(request),
                card_brand=card.get("display_brand") or card_brand(card["number"]),
                card_last4=card["number"][-4:],
                max_amount=allowance["max_amount"],
                currency=allowance["currency"],
                merchant_id=allowance["merchant_id"],
                checkout_session_id=allowance["checkout_session_id"],
                expires_at=allowance["expires_at"],
                metadata=data["metadata"],
            )
        return Response(token_body(token, request.headers.get(IDEMPOTENCY_KEY_HEADER, "")), status=201)


class FeedView(AcpView):
    """FeedMetadata of the one feed: the catalog."""

    def get(self, request: Request, feed_id: str) -> Response:
        known_feed(feed_id)
        return Response(feed.metadata())


class FeedProductsView(AcpView):
    """ProductsResponse: every product of the feed (the catalog is small; no paging)."""

    def get(self, request: Request, feed_id: str) -> Response:
        known_feed(feed_id)
        return Response({"products": list(feed.products())})


def known_feed(feed_id: str) -> None:
    if feed_id != feed.feed_id():
        raise AcpError(f"Feed {feed_id!r} does not exist.", code="feed_not_found", status=404, param="id")


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    """Our OpenAPI for every ACP endpoint (public, like discovery)."""
    return JsonResponse(acp_openapi())


class OrderView(AcpView):
    """The order behind a completed session (its `permalink_url`): the Order object webhooks carry."""

    def get(self, request: Request, number: str) -> Response:
        session = (
            CheckoutSession.objects.select_related("order")
            .filter(api_key=caller(request), order__number=number)
            .first()
        )
        if session is None or session.order is None:
            raise AcpError(f"Order {number!r} does not exist.", code="not_found", status=404, param="id")
        return Response(order_body(session.order, session))
