"""Delegated payment end to end: the PSP stand-in mints a token, complete charges it within its
allowance, once, through the widget checkout's order and payment path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from acp.models import CheckoutSession, PaymentToken
from acp.tests.conftest import FITBIT, NOTEBOOK, Agent, delegate_body, ready_body
from auth_mcp.models import Shopper
from auth_mcp.services import reset_demo
from checkout_mcp.models import Order, Payment

pytestmark = pytest.mark.django_db

DECLINED_CARD = "4000000000000002"
NO_FUNDS_CARD = "4000000000009995"
TOKEN_PARAM = "$.payment_data.instrument.credential.token"


def test_delegate_payment_mints_a_token_with_its_allowance(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.post("/agentic_commerce/delegate_payment", delegate_body(session["id"]), key="mint-1")
    assert answer.status_code == 201
    body = answer.json()
    assert body["id"].startswith("spt_") and body["metadata"]["idempotency_key"] == "mint-1"
    token = PaymentToken.objects.get(pk=body["id"])
    assert (token.card_brand, token.card_last4, token.max_amount, token.checkout_session_id) == (
        "visa",
        "4242",
        100_000,
        session["id"],
    )


def test_delegate_payment_refuses_a_card_number_that_fails_its_check_digit(agent: Agent) -> None:
    answer = agent.post("/agentic_commerce/delegate_payment", delegate_body("cs_x", number="4242424242424241"))
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_card" and answer.json()["param"] == "$.payment_method.number"


def test_complete_places_an_acp_order_like_a_widget_order(agent: Agent) -> None:
    session = agent.create(ready_body(FITBIT, NOTEBOOK))
    answer = agent.complete(session["id"], agent.token(session["id"]))
    assert answer.status_code == 200, answer.json()
    completed = answer.json()
    assert completed["status"] == "completed"
    order = Order.objects.select_related("payment", "shopper").get(number=completed["order"]["id"])
    assert completed["order"]["checkout_session_id"] == session["id"]
    assert completed["order"]["permalink_url"].endswith(order.number)
    assert order.channel == Order.Channel.ACP and order.status == Order.Status.PLACED
    total = next(item["amount"] for item in completed["totals"] if item["type"] == "total")
    assert int(order.total * 100) == total
    assert order.payment.status == Payment.Status.SUCCEEDED and order.payment.card_last4 == "4242"
    assert sorted(order.lines.values_list("product_id", flat=True)) == sorted([FITBIT, NOTEBOOK])
    assert order.shopper.email == "theo.okafor@example.com"  # a guest shopper made for the buyer


def test_a_guest_buyer_cannot_sign_in_with_a_password(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    agent.complete(session["id"], agent.token(session["id"]))
    assert not Shopper.objects.get(email="theo.okafor@example.com").user.has_usable_password()


def test_a_replayed_complete_charges_once(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    token = agent.token(session["id"])
    body = {
        "payment_data": {
            "handler_id": "card_tokenized",
            "instrument": {"type": "card", "credential": {"type": "spt", "token": token}},
        }
    }
    first = agent.post(f"/acp/checkout_sessions/{session['id']}/complete", body, key="pay-once")
    again = agent.post(f"/acp/checkout_sessions/{session['id']}/complete", body, key="pay-once")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_the_same_token_with_a_new_key_charges_nothing_more(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    token = agent.token(session["id"])
    first = agent.complete(session["id"], token)
    again = agent.complete(session["id"], token)
    assert again.status_code == 200 and again.json()["order"] == first.json()["order"]
    assert Payment.objects.count() == 1


def test_completing_again_with_another_buyer_is_refused_and_keeps_the_order(agent: Agent) -> None:
    # Found by schemathesis: this answered 409 idempotency_key_reused to a fresh Idempotency-Key.
    session = agent.create(ready_body(NOTEBOOK))
    token = agent.token(session["id"])
    first = agent.complete(session["id"], token)
    again = agent.complete(session["id"], token, buyer={"email": "someone.else@example.com"})
    assert again.status_code == 400, again.json()
    assert again.json()["code"] == "invalid" and "completed" in again.json()["message"]
    retrieved = agent.get(f"/acp/checkout_sessions/{session['id']}").json()
    assert retrieved["buyer"]["email"] == "theo.okafor@example.com"
    assert retrieved["order"] == first.json()["order"]
    assert Payment.objects.count() == 1


def test_a_declined_token_is_spent_even_after_the_buyer_changes(agent: Agent) -> None:
    # The declined attempt's order belongs to the first buyer: retrying its token for another buyer
    # answered 409 idempotency_key_reused, naming a header the agent had not reused.
    session = agent.create(ready_body(NOTEBOOK))
    token = agent.token(session["id"], number=DECLINED_CARD)
    assert agent.complete(session["id"], token).status_code == 200
    again = agent.complete(session["id"], token, buyer={"email": "someone.else@example.com"})
    assert again.status_code == 400, again.json()
    assert again.json()["param"] == "$.payment_data.instrument.credential.token"
    assert "already used" in again.json()["message"]


def test_a_decline_is_a_message_and_leaves_the_cart_as_it_was(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.complete(session["id"], agent.token(session["id"], number=DECLINED_CARD))
    assert answer.status_code == 200
    declined = answer.json()
    assert declined["status"] == "ready_for_payment" and "order" not in declined
    [message] = declined["messages"]
    assert message["type"] == "error" and message["code"] == "payment_declined"
    assert "Your card was declined." in message["content"]
    assert declined["line_items"] == session["line_items"] and declined["totals"] == session["totals"]
    assert Order.objects.get(channel=Order.Channel.ACP).status == Order.Status.DECLINED
    retried = agent.complete(session["id"], agent.token(session["id"]))
    assert retried.json()["status"] == "completed" and retried.json()["messages"] == []


def test_reusing_a_declined_token_does_not_charge_again(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    token = agent.token(session["id"], number=NO_FUNDS_CARD)
    agent.complete(session["id"], token)
    again = agent.complete(session["id"], token)
    assert again.json()["messages"][0]["code"] == "payment_declined"
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("allowance", "said"),
    [
        ({"max_amount": 500}, "over the token's allowance"),
        ({"currency": "eur"}, "in eur"),
        ({"merchant_id": "another_shop"}, "for merchant 'another_shop'"),
        ({"checkout_session_id": "cs_another"}, "another checkout session"),
        ({"expires_at": (timezone.now() - timedelta(minutes=1)).isoformat()}, "expired"),
    ],
)
def test_complete_enforces_the_tokens_allowance(agent: Agent, allowance: dict[str, Any], said: str) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.complete(session["id"], agent.token(session["id"], **allowance))
    assert answer.status_code == 400 and answer.json()["param"] == TOKEN_PARAM
    assert said in answer.json()["message"]
    assert not Payment.objects.exists() and not PaymentToken.objects.filter(used_at__isnull=False).exists()


def test_an_unknown_token_is_a_400_naming_it(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.complete(session["id"], "spt_made_up")
    assert answer.status_code == 400 and "does not exist" in answer.json()["message"]
    assert answer.json()["param"] == TOKEN_PARAM


def test_another_platform_cannot_complete_a_session_it_did_not_create(agent: Agent, other_agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = other_agent.complete(session["id"], other_agent.token(session["id"]))
    assert answer.status_code == 404 and not Payment.objects.exists()


def test_a_session_that_is_not_ready_cannot_complete(agent: Agent) -> None:
    session = agent.create({"currency": "usd", "line_items": [{"id": NOTEBOOK}], "buyer": {"email": "a@example.com"}})
    answer = agent.complete(session["id"], agent.token(session["id"]))
    assert answer.status_code == 400 and not Payment.objects.exists()


def test_complete_needs_a_buyer(agent: Agent) -> None:
    body = ready_body(NOTEBOOK)
    del body["buyer"]
    body["fulfillment_details"].pop("email")
    session = agent.create(body)
    answer = agent.complete(session["id"], agent.token(session["id"]))
    assert answer.status_code == 400 and answer.json()["param"] == "$.buyer"


def test_an_acp_order_shows_in_the_admin_next_to_widget_orders(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    number = agent.complete(session["id"], agent.token(session["id"])).json()["order"]["id"]
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "staff-password-1")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(staff)
    listing = browser.get("/admin/checkout_mcp/order/?channel__exact=acp")
    assert listing.status_code == 200
    assert number in listing.content.decode() and "Agentic checkout (ACP)" in listing.content.decode()


def test_the_order_permalink_answers_the_order(agent: Agent, other_agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    order = agent.complete(session["id"], agent.token(session["id"])).json()["order"]
    path = order["permalink_url"].removeprefix(settings.PUBLIC_BASE_URL)
    answer = agent.get(path)
    assert answer.status_code == 200
    assert answer.json()["id"] == order["id"] and answer.json()["status"] == "confirmed"
    assert other_agent.get(path).status_code == 404


def test_the_demo_reset_clears_agentic_orders_too(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    agent.complete(session["id"], agent.token(session["id"]))
    reset_demo()
    assert not Order.objects.exists() and not CheckoutSession.objects.filter(pk=session["id"]).exists()
