"""A whole agentic purchase over REST, as an agent platform makes it: httpx against a live server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from acp.protocol import API_VERSION
from acp.tests.conftest import FITBIT, NOTEBOOK, US_ADDRESS, delegate_body
from tests.liveserver import LiveServer
from tests.personas import THEO

DUPLICATES = 8


@pytest.fixture(scope="module")
def api_key(live: LiveServer) -> str:
    """A key issued as staff issue one in the admin."""
    return str(live.run_django("from acp.models import ApiKey\n_, result = ApiKey.objects.issue('live agent')"))


class Platform:
    """An agent platform's HTTP client: its key and the protocol's headers on every request."""

    def __init__(self, live: LiveServer, api_key: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=live.url,
            timeout=30,
            headers={"Authorization": f"Bearer {api_key}", "API-Version": API_VERSION},
        )

    async def post(self, path: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())})

    async def token(self, session_id: str, number: str = "4242424242424242") -> str:
        minted = await self.post("/agentic_commerce/delegate_payment", delegate_body(session_id, number))
        assert minted.status_code == 201, minted.text
        return str(minted.json()["id"])


def payment(token: str) -> dict[str, Any]:
    return {
        "handler_id": "card_tokenized",
        "instrument": {"type": "card", "credential": {"type": "spt", "token": token}},
    }


async def test_an_agent_discovers_fills_a_cart_and_pays_with_a_delegated_token(live: LiveServer, api_key: str) -> None:
    buyer = THEO.fresh()
    platform = Platform(live, api_key)
    discovered = (await platform.http.get("/.well-known/acp.json")).json()
    base = discovered["api_base_url"].removeprefix(live.url)

    created = await platform.post(f"{base}/checkout_sessions", {"currency": "usd", "line_items": [{"id": FITBIT}]})
    assert created.status_code == 201 and created.json()["status"] == "not_ready_for_payment"
    session_id = created.json()["id"]

    addressed = await platform.post(
        f"{base}/checkout_sessions/{session_id}",
        {
            "line_items": [{"id": FITBIT}, {"id": NOTEBOOK}],
            "fulfillment_details": {"name": buyer.name, "email": buyer.email, "address": US_ADDRESS},
        },
    )
    assert addressed.json()["status"] == "ready_for_payment"
    express = await platform.post(
        f"{base}/checkout_sessions/{session_id}",
        {
            "selected_fulfillment_options": [
                {"type": "shipping", "option_id": "express", "item_ids": [FITBIT, NOTEBOOK]}
            ]
        },
    )
    total = next(item["amount"] for item in express.json()["totals"] if item["type"] == "total")

    completed = await platform.post(
        f"{base}/checkout_sessions/{session_id}/complete",
        {
            "buyer": {"first_name": "Theo", "last_name": "Okafor", "email": buyer.email},
            "payment_data": payment(await platform.token(session_id)),
        },
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"
    order_number = completed.json()["order"]["id"]
    retrieved = await platform.http.get(f"{base}/checkout_sessions/{session_id}")
    assert retrieved.json()["order"]["id"] == order_number

    order = live.run_django(
        f"""
from checkout_mcp.models import Order
order = Order.objects.select_related("payment", "shopper").get(number={order_number!r})
result = [order.channel, order.status, str(order.total), order.shopper.email, order.payment.status]
"""
    )
    assert order == ["acp", "placed", f"{total / 100:.2f}", buyer.email, "succeeded"]


async def test_a_declined_card_leaves_the_session_payable(live: LiveServer, api_key: str) -> None:
    platform = Platform(live, api_key)
    body = {
        "line_items": [{"id": NOTEBOOK}],
        "buyer": {"email": THEO.fresh().email},
        "fulfillment_details": {"name": "Theo", "address": US_ADDRESS},
    }
    session_id = (await platform.post("/acp/checkout_sessions", body)).json()["id"]
    declined = await platform.post(
        f"/acp/checkout_sessions/{session_id}/complete",
        {"payment_data": payment(await platform.token(session_id, "4000000000000002"))},
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "ready_for_payment"
    assert declined.json()["messages"][0]["code"] == "payment_declined"


async def test_an_agent_cancels_a_session(live: LiveServer, api_key: str) -> None:
    platform = Platform(live, api_key)
    session_id = (await platform.post("/acp/checkout_sessions", {"line_items": [{"id": NOTEBOOK}]})).json()["id"]
    canceled = await platform.post(
        f"/acp/checkout_sessions/{session_id}/cancel", {"intent_trace": {"reason_code": "shipping_cost"}}
    )
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert (await platform.post(f"/acp/checkout_sessions/{session_id}/cancel", {})).status_code == 405


async def test_concurrent_duplicates_of_a_complete_charge_once(live: LiveServer, api_key: str) -> None:
    platform = Platform(live, api_key)
    body = {
        "line_items": [{"id": NOTEBOOK}],
        "buyer": {"email": THEO.fresh().email},
        "fulfillment_details": {"name": "Theo", "address": US_ADDRESS},
    }
    session_id = (await platform.post("/acp/checkout_sessions", body)).json()["id"]
    complete = {"payment_data": payment(await platform.token(session_id))}
    key = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(platform.post(f"/acp/checkout_sessions/{session_id}/complete", complete, key) for _ in range(DUPLICATES))
    )
    # Each duplicate either waited for nothing (409, still in flight) or got the one stored answer.
    assert {answer.status_code for answer in answers} <= {200, 409}
    bodies = [answer.json() for answer in answers if answer.status_code == 200]
    assert bodies and all(body == bodies[0] for body in bodies)
    replay = await platform.post(f"/acp/checkout_sessions/{session_id}/complete", complete, key)
    assert replay.json() == bodies[0]
    payments = live.run_django(
        f"from checkout_mcp.models import Payment\nresult = Payment.objects.filter(order__acp_session={session_id!r}).count()"
    )
    assert payments == 1
