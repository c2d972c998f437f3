"""complete-purchase on /mcp3: the checkout widget's button as a tool it calls through the host,
hidden from the model, on the same service as POST /api/checkout/complete."""

from __future__ import annotations

from mcp import Client

from checkout_mcp.tests.test_checkout_journey import COMPLETE, FITBIT, NOTEBOOK, add, checkout, stored_order
from tests.liveserver import LiveServer, call_tool, new_key, post, signed_in_session, structured, text_of
from tests.personas import DANA, PRIYA, create_in

TOOL = "complete-purchase"


async def test_it_is_listed_for_widgets_and_hidden_from_the_model(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp3") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    meta = tools[TOOL].meta or {}
    assert meta["ui"] == {"visibility": ["app"]}
    assert meta["openai/widgetAccessible"] is True
    assert meta["openai/visibility"] == "private"
    assert "openai/outputTemplate" not in meta  # it renders nothing of its own
    assert set(tools[TOOL].input_schema["required"]) == {"sessionId", "idempotencyKey", "version"}
    checkout_meta = tools["checkout"].meta or {}
    assert checkout_meta["ui"]["visibility"] == ["model", "app"]
    assert checkout_meta["openai/visibility"] == "public"


async def test_the_widget_places_the_order_and_a_repeat_answers_the_same_order(live: LiveServer) -> None:
    buyer = PRIYA.fresh()
    create_in(live, buyer)
    session_id = await signed_in_session(live, buyer)
    await add(live, session_id, FITBIT)
    summary = await checkout(live, session_id)
    key = new_key()

    reviewed = {"sessionId": session_id, "version": summary["version"]}
    placed = await call_tool(live, "/mcp3", TOOL, {**reviewed, "idempotencyKey": key})
    again = await call_tool(live, "/mcp3", TOOL, {**reviewed, "idempotencyKey": key})

    assert not placed.is_error, text_of(placed)
    order = structured(placed)
    assert structured(again) == order
    assert order["status"] == "placed" and order["total"] == summary["total"]
    assert order["payment"] == "Visa •••• 4242"
    assert order["orderNumber"] in text_of(placed)
    assert stored_order(live, order["orderNumber"])["orders_with_key"] == 1
    # One service behind both doors: the callback with the same key answers the same order.
    callback = await post(live, COMPLETE, reviewed, key)
    assert callback.status_code == 200 and callback.json()["orderNumber"] == order["orderNumber"]


async def test_a_declined_card_is_a_tool_error_saying_why(live: LiveServer) -> None:
    shopper = DANA.fresh()  # card ending 0002
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    await add(live, session_id, NOTEBOOK)
    before = await checkout(live, session_id)

    declined = await call_tool(
        live, "/mcp3", TOOL, {"sessionId": session_id, "idempotencyKey": new_key(), "version": before["version"]}
    )

    assert declined.is_error
    assert text_of(declined).startswith("Your card was declined.")
    assert "cart is unchanged" in text_of(declined)
    assert await checkout(live, session_id) == before


async def test_it_refuses_a_malformed_idempotency_key(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    result = await call_tool(
        live, "/mcp3", TOOL, {"sessionId": session_id, "idempotencyKey": "short", "version": "0" * 32}
    )
    assert result.is_error and "idempotencyKey" in text_of(result)
