"""/shop: the four servers as one connector, through the official MCP client against a live server."""

from __future__ import annotations

from mcp import Client
from mcp.types import TextResourceContents

from tests.liveserver import LiveServer, new_key, sign_in, structured, text_of
from tests.personas import PRIYA, create_in

SHOP = "/shop"
SERVERS = ("/mcp", "/mcp2", "/mcp3", "/mcp4")


async def tool_names(live: LiveServer, path: str) -> list[str]:
    async with Client(f"{live.url}{path}") as client:
        return [tool.name for tool in (await client.list_tools()).tools]


async def test_it_offers_every_tool_of_the_four_servers_once_under_one_set_of_instructions(live: LiveServer) -> None:
    separately = [name for path in SERVERS for name in await tool_names(live, path)]
    async with Client(f"{live.url}{SHOP}") as client:
        assert client.server_info is not None and client.server_info.name == "target-shop"
        instructions = client.instructions or ""
        together = [tool.name for tool in (await client.list_tools()).tools]
    assert together == separately
    assert len(together) == len(set(together))
    assert "create-target-session" in instructions and "never into the chat" in instructions


async def test_it_serves_every_widget_its_tools_name(live: LiveServer) -> None:
    async with Client(f"{live.url}{SHOP}") as client:
        tools = (await client.list_tools()).tools
        declared = [(tool.meta or {}).get("ui", {}) for tool in tools]
        uris = {ui["resourceUri"] for ui in declared if "resourceUri" in ui}
        assert len(uris) == 5
        for uri in uris:
            contents = (await client.read_resource(uri)).contents[0]
            assert isinstance(contents, TextResourceContents) and "window.Widget" in contents.text


async def test_a_shopper_signs_in_searches_and_buys_through_the_one_connector(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    async with Client(f"{live.url}{SHOP}") as client:
        session_id = structured(await client.call_tool("create-target-session", {}))["sessionId"]
        sign_in(live, session_id, shopper)
        found = structured(await client.call_tool("search-target-products", {"query": "fitbit charge"}))
        product_id = found["products"][0]["id"]
        added = await client.call_tool("add-to-cart", {"sessionId": session_id, "productId": product_id})
        assert not added.is_error, text_of(added)
        summary = structured(await client.call_tool("checkout", {"sessionId": session_id}))
        placed = await client.call_tool(
            "complete-purchase",
            {"sessionId": session_id, "idempotencyKey": new_key(), "version": summary["version"]},
        )
        assert not placed.is_error, text_of(placed)
        assert structured(placed)["total"] == summary["total"]
        # Each tool still answers its own server's business errors as tool errors.
        emptied = await client.call_tool("checkout", {"sessionId": session_id})
    assert emptied.is_error and "cart is empty" in text_of(emptied)
