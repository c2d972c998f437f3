"""Order webhooks: the outbox rows (written in the order change's transaction) and their delivery.

Delivery follows the webhook spec (openapi.agentic_checkout_webhook.yaml): POST the WebhookEvent
to ACP_WEBHOOK_URL with `Merchant-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">` keyed by ACP_WEBHOOK_SECRET. A 2xx delivers; anything else is retried with
exponential backoff, and after ACP_WEBHOOK_MAX_ATTEMPTS the event is marked failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from acp.models import CheckoutSession, WebhookEvent
from checkout_mcp.models import Order
from checkout_mcp.signals import order_changed
from shop.payments.money import minor_units
from targetdemo.http import get_http_client

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Merchant-Signature"
BACKOFF_CAP = timedelta(hours=1)
ERROR_CHARS = 300
ORDER_STATUS = {
    Order.Fulfillment.PENDING: "confirmed",
    Order.Fulfillment.SHIPPED: "shipped",
    Order.Fulfillment.CANCELED: "canceled",
}


def order_body(order: Order, session: CheckoutSession) -> dict[str, Any]:
    """The Order object of the spec (schema.agentic_checkout.json, `Order`), full, not a delta."""
    lines = list(order.lines.all())
    shipped = order.fulfillment == Order.Fulfillment.SHIPPED
    canceled = order.fulfillment == Order.Fulfillment.CANCELED
    return {
        "type": "order",
        "id": order.number,
        "checkout_session_id": session.id,
        "order_number": order.number,
        "permalink_url": f"{settings.PUBLIC_BASE_URL}/acp/orders/{order.number}",
        "status": ORDER_STATUS[Order.Fulfillment(order.fulfillment)],
        "line_items": [
            {
                "id": f"li_{line.product_id}",
                "title": line.title,
                "product_id": line.product_id,
                "quantity": {
                    "ordered": line.quantity,
                    "current": 0 if canceled else line.quantity,
                    "fulfilled": line.quantity if shipped else 0,
                },
                "unit_price": minor_units(line.unit_price),
                "subtotal": minor_units(line.line_total),
            }
            for line in lines
        ],
        "totals": [
            {"type": "subtotal", "display_text": "Subtotal", "amount": minor_units(order.subtotal)},
            {"type": "fulfillment", "display_text": "Shipping", "amount": minor_units(order.shipping)},
            {"type": "tax", "display_text": "Tax", "amount": minor_units(order.tax)},
            {"type": "total", "display_text": "Total", "amount": minor_units(order.total)},
        ],
    }


def record(event_type: str, order: Order) -> WebhookEvent | None:
    """Put an event for an agentic order in the outbox (call inside the change's transaction)."""
    session = CheckoutSession.objects.filter(order=order).first()
    if session is None:
        return None
    return WebhookEvent.objects.create(
        event_type=event_type, order=order, payload={"type": event_type, "data": order_body(order, session)}
    )


@receiver(order_changed, dispatch_uid="acp-order-update-webhook")
def on_order_changed(sender: type[Order], order: Order, **kwargs: Any) -> None:
    record("order_update", order)


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: base * 2^(n-1), at most an hour."""
    return min(timedelta(seconds=settings.ACP_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1)), BACKOFF_CAP)


def due(limit: int = 50) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING, next_attempt_at__lte=timezone.now()).order_by(
            "next_attempt_at", "pk"
        )[:limit]
    )


def settle(event: WebhookEvent, error: str | None) -> None:
    with transaction.atomic():
        event.attempts += 1
        if error is None:
            event.status, event.delivered_at, event.last_error = WebhookEvent.Status.DELIVERED, timezone.now(), ""
        else:
            event.last_error = error[:ERROR_CHARS]
            if event.attempts >= settings.ACP_WEBHOOK_MAX_ATTEMPTS:
                event.status = WebhookEvent.Status.FAILED
            else:
                event.next_attempt_at = timezone.now() + backoff(event.attempts)
        event.save()


async def deliver(event: WebhookEvent) -> str | None:
    """POST one event; None when the receiver took it, else why not."""
    raw = json.dumps(event.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(settings.ACP_WEBHOOK_SECRET, int(time.time()), raw),
        "Request-Id": f"whk_{event.pk}_{uuid.uuid4().hex[:8]}",
        "Timestamp": timezone.now().isoformat(),
    }
    try:
        answer = await get_http_client().post(settings.ACP_WEBHOOK_URL, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if answer.is_success:
        return None
    return f"HTTP {answer.status_code}: {answer.text[:200]}"


async def deliver_due() -> int:
    """Deliver every event now due, once each; how many were attempted."""
    events = await sync_to_async(due)()
    for event in events:
        error = await deliver(event)
        await sync_to_async(settle)(event, error)
        if error:
            logger.warning("webhook delivery failed", extra={"event": event.pk, "error": error})
    return len(events)
