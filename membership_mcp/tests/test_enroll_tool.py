"""enroll-circle-360 on /mcp4: the Circle 360 widget's Start membership button as a tool it calls
through the host, hidden from the model, on the same service as POST /api/membership/enroll."""

from __future__ import annotations

from mcp import Client

from tests.liveserver import LiveServer, call_tool, new_key, post, signed_in_session, structured, text_of
from tests.personas import DANA, PRIYA, create_in

TOOL = "enroll-circle-360"


async def test_it_is_listed_for_widgets_and_hidden_from_the_model(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp4") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    meta = tools[TOOL].meta or {}
    assert meta["ui"] == {"visibility": ["app"]}
    assert meta["openai/widgetAccessible"] is True
    assert meta["openai/visibility"] == "private"
    assert tools[TOOL].input_schema["properties"]["plan"]["enum"] == ["annual", "monthly", "trial"]


async def test_the_widget_enrols_the_shopper_once_per_key(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    key = new_key()
    arguments = {"sessionId": session_id, "plan": "monthly", "idempotencyKey": key}

    joined = await call_tool(live, "/mcp4", TOOL, arguments)
    again = await call_tool(live, "/mcp4", TOOL, arguments)

    assert not joined.is_error, text_of(joined)
    membership = structured(joined)
    assert structured(again) == membership
    assert membership["plan"] == "monthly" and membership["status"] == "active"
    assert membership["price"] == "10.99" and membership["renewsOn"] is not None
    status = structured(await call_tool(live, "/mcp4", "check-circle-membership", {"sessionId": session_id}))
    assert status["circle360Member"] is True
    # One service behind both doors: the callback with the same key answers the same membership.
    callback = await post(live, "/api/membership/enroll", {"sessionId": session_id, "plan": "monthly"}, key)
    assert callback.status_code == 200 and callback.json()["startedOn"] == membership["startedOn"]


async def test_a_declined_card_is_a_tool_error_and_no_membership(live: LiveServer) -> None:
    shopper = DANA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    declined = await call_tool(
        live, "/mcp4", TOOL, {"sessionId": session_id, "plan": "annual", "idempotencyKey": new_key()}
    )
    assert declined.is_error and "not enrolled" in text_of(declined)
    status = structured(await call_tool(live, "/mcp4", "check-circle-membership", {"sessionId": session_id}))
    assert status["circle360Member"] is False
