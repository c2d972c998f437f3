"""The ACP MCP binding on the checkout server: the five operations as tools taking {meta, id,
payload}, through the official MCP client against a live server, running the REST code."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from acp.protocol import API_VERSION
from acp.tests.conftest import NOTEBOOK, US_ADDRESS, delegate_body
from tests.liveserver import LiveServer, call_tool, structured
from tests.personas import THEO

TOOLS = {
    "create_checkout_session",
    "get_checkout_session",
    "update_checkout_session",
    "complete_checkout_session",
    "cancel_checkout_session",
}


def meta(**more: str) -> dict[str, str]:
    return {"api_version": API_VERSION, "idempotency_key": str(uuid.uuid4()), **more}


async def acp(live: LiveServer, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await call_tool(live, "/mcp3", tool, arguments)
    assert not result.is_error, result.content
    return structured(result)


async def test_the_checkout_server_lists_the_five_acp_tools(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp3") as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(listed) >= TOOLS
    schema = listed["update_checkout_session"].input_schema
    assert set(schema["required"]) == {"meta", "id", "payload"}
    assert "payload" not in listed["get_checkout_session"].input_schema["properties"]


async def test_an_agent_buys_through_the_mcp_binding(live: LiveServer) -> None:
    buyer = THEO.fresh()
    created = await acp(
        live,
        "create_checkout_session",
        meta=meta(),
        payload={"currency": "usd", "line_items": [{"id": NOTEBOOK}, {"id": NOTEBOOK}]},
    )
    session_id = created["id"]
    assert created["status"] == "not_ready_for_payment" and created["line_items"][0]["quantity"] == 2
    updated = await acp(
        live,
        "update_checkout_session",
        meta=meta(),
        id=session_id,
        payload={"fulfillment_details": {"name": buyer.name, "email": buyer.email, "address": US_ADDRESS}},
    )
    assert updated["status"] == "ready_for_payment"

    api_key = live.run_django("from acp.models import ApiKey\n_, result = ApiKey.objects.issue('mcp test psp')")
    minted = httpx.post(
        f"{live.url}/agentic_commerce/delegate_payment",
        json=delegate_body(session_id),
        headers={"Authorization": f"Bearer {api_key}", "API-Version": API_VERSION, "Idempotency-Key": "mint-mcp"},
        timeout=30,
    )
    payment = {
        "handler_id": "card_tokenized",
        "instrument": {"type": "card", "credential": {"type": "spt", "token": minted.json()["id"]}},
    }
    same = meta()
    completed = await acp(
        live, "complete_checkout_session", meta=same, id=session_id, payload={"payment_data": payment}
    )
    assert completed["status"] == "completed"
    replayed = await acp(live, "complete_checkout_session", meta=same, id=session_id, payload={"payment_data": payment})
    assert replayed == completed
    fetched = await acp(live, "get_checkout_session", meta={"api_version": API_VERSION}, id=session_id)
    assert fetched["order"]["id"] == completed["order"]["id"]
    channel = live.run_django(
        f"from checkout_mcp.models import Order\nresult = Order.objects.get(number={completed['order']['id']!r}).channel"
    )
    assert channel == "acp"


async def test_a_refusal_is_a_32000_error_carrying_the_acp_error(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp3") as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool(
                "create_checkout_session", {"meta": meta(), "payload": {"line_items": [{"id": "999"}]}}
            )
    assert raised.value.code == -32000
    assert raised.value.data["type"] == "invalid_request" and raised.value.data["param"] == "$.line_items[0].id"


async def test_meta_api_version_is_validated(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp3") as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("get_checkout_session", {"meta": {"api_version": "2024-01-01"}, "id": "cs_x"})
    assert raised.value.data["code"] == "unsupported_api_version"


async def test_the_same_idempotency_key_with_another_payload_is_refused(live: LiveServer) -> None:
    key = meta()
    await acp(live, "create_checkout_session", meta=key, payload={"line_items": [{"id": NOTEBOOK}]})
    async with Client(f"{live.url}/mcp3") as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool(
                "create_checkout_session",
                {"meta": key, "payload": {"line_items": [{"id": NOTEBOOK}, {"id": NOTEBOOK}]}},
            )
    assert raised.value.data["code"] == "idempotency_conflict"


async def test_cancel_takes_no_payload(live: LiveServer) -> None:
    created = await acp(live, "create_checkout_session", meta=meta(), payload={"line_items": [{"id": NOTEBOOK}]})
    canceled = await acp(live, "cancel_checkout_session", meta=meta(), id=created["id"])
    assert canceled["status"] == "canceled"
