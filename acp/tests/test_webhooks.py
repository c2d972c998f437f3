"""Order webhooks: outbox rows written with the order change, delivered signed by the worker
command to a real local receiver, retried with backoff after the receiver fails."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from acp.models import WebhookEvent
from acp.tests.conftest import NOTEBOOK, Agent, ready_body
from checkout_mcp.models import Order
from checkout_mcp.services import Line, record_order
from shop.payments.money import Totals
from shop.payments.processor import Charge
from tests.personas import LAUREN

# The worker runs its database work in threads of its own, so the test commits what it writes;
# serialized_rollback keeps the migrated catalog for the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "webhook-signing-secret"


@dataclass
class Receiver:
    """The agent platform's webhook endpoint: verifies Merchant-Signature, answers as told."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def verified(self, header: str, raw: bytes) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(","))
        expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + raw, hashlib.sha256).hexdigest()
        fresh = abs(int(parts["t"]) - timezone.now().timestamp()) < 300
        return fresh and hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver(settings: Settings) -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {
                    "body": json.loads(raw),
                    "verified": state.verified(self.headers.get("Merchant-Signature", ""), raw),
                }
            )
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"received": true}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/agentic_checkout/webhooks/order_events"
    settings.ACP_WEBHOOK_URL = state.url
    settings.ACP_WEBHOOK_SECRET = SECRET
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def buy(agent: Agent, card: str = "4242424242424242") -> dict[str, Any]:
    session = agent.create(ready_body(NOTEBOOK))
    return dict(agent.complete(session["id"], agent.token(session["id"], number=card)).json())


def deliver() -> None:
    call_command("acp_webhooks", "--once")


def test_an_acp_order_puts_order_create_in_the_outbox(agent: Agent) -> None:
    completed = buy(agent)
    [event] = WebhookEvent.objects.all()
    assert event.event_type == "order_create" and event.status == WebhookEvent.Status.PENDING
    data = event.payload["data"]
    assert data["id"] == completed["order"]["id"] and data["checkout_session_id"] == completed["id"]
    assert data["status"] == "confirmed" and data["line_items"][0]["quantity"] == {
        "ordered": 1,
        "current": 1,
        "fulfilled": 0,
    }


def test_a_declined_payment_sends_no_webhook(agent: Agent) -> None:
    buy(agent, card="4000000000000002")
    assert not WebhookEvent.objects.exists()


def test_the_worker_delivers_signed_and_retries_after_a_failure(agent: Agent, receiver: Receiver) -> None:
    buy(agent)
    receiver.answers = [503]
    deliver()
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.PENDING and event.attempts == 1
    assert event.last_error.startswith("HTTP 503") and event.next_attempt_at > timezone.now()

    deliver()  # not due yet: the backoff holds it
    assert len(receiver.received) == 1

    WebhookEvent.objects.update(next_attempt_at=timezone.now())  # as the backoff running out does
    deliver()
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.DELIVERED and event.attempts == 2
    assert [delivery["verified"] for delivery in receiver.received] == [True, True]
    assert receiver.received[-1]["body"]["type"] == "order_create"


def test_staff_marking_an_order_shipped_sends_order_update(agent: Agent, receiver: Receiver) -> None:
    number = buy(agent)["order"]["id"]
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "staff-password-1")
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(staff)
    order = Order.objects.get(number=number)
    answer = admin.post(
        "/admin/checkout_mcp/order/", {"action": "mark_shipped", "_selected_action": [order.pk]}, follow=True
    )
    assert answer.status_code == 200 and "1 order(s) shipped." in answer.content.decode()
    deliver()
    update = next(item["body"] for item in receiver.received if item["body"]["type"] == "order_update")
    assert update["data"]["status"] == "shipped" and update["data"]["line_items"][0]["quantity"]["fulfilled"] == 1
    assert all(delivery["verified"] for delivery in receiver.received)


def test_a_widget_order_sends_no_webhook() -> None:
    order = record_order(
        LAUREN.shopper(),
        [Line(NOTEBOOK, "Five Star notebook", Decimal("4.29"), 1)],
        Totals.of(Decimal("4.29")),
        Charge(approved=True, card_brand="Visa", card_last4="4242", amount=Decimal("4.67")),
        idempotency_key="widget-order-0001",
        ship_to="742 Lyndale Ave S",
    )
    assert order.change_fulfillment(Order.Fulfillment.SHIPPED)
    assert not WebhookEvent.objects.exists()


def test_after_the_last_attempt_an_event_is_marked_failed(agent: Agent, receiver: Receiver, settings: Settings) -> None:
    settings.ACP_WEBHOOK_MAX_ATTEMPTS = 2
    buy(agent)
    receiver.answers = [500, 500]
    deliver()
    WebhookEvent.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    deliver()
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.FAILED and event.attempts == 2
