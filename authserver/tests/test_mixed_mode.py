"""`mixed` mode (the default), with the official client on the shared live server: search needs
nothing, the shopper's tools take a bearer token or a sessionId, and neither is a tool error that
carries the challenge a host needs to offer linking."""

from __future__ import annotations

from typing import Any

import httpx

from authserver.tests.linking import connected, mint_token
from mcp_engine.auth import WWW_AUTHENTICATE_META
from tests.liveserver import LiveServer, call_tool, signed_in_session, structured, text_of

FITBIT = "38098260"


async def test_search_needs_no_token(live: LiveServer) -> None:
    async with connected(f"{live.url}/mcp2") as client:
        result = await client.call_tool("search-target-products", {"query": "fitbit"})
    assert not result.is_error, text_of(result)
    assert structured(result)["products"]


async def test_a_shopper_tool_with_neither_token_nor_session_answers_the_challenge(live: LiveServer) -> None:
    result = await call_tool(live, "/mcp3", "add-to-cart", {"productId": FITBIT})
    assert result.is_error
    assert result.meta is not None
    (challenge,) = result.meta[WWW_AUTHENTICATE_META]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{live.url}/.well-known/oauth-protected-resource/mcp3"' in challenge
    assert 'scope="cart"' in challenge and 'error="invalid_token"' in challenge


async def test_shopper_tools_declare_both_security_schemes_and_an_optional_session_id(live: LiveServer) -> None:
    # Raw JSON: the SDK's Tool model keeps no keys it does not know, and securitySchemes is one.
    listed = (await raw_tools(f"{live.url}/mcp3"))["add-to-cart"]
    schemes = [{"type": "noauth"}, {"type": "oauth2", "scopes": ["cart"]}]
    assert listed.get("securitySchemes") == schemes
    assert listed["_meta"]["securitySchemes"] == schemes
    assert "sessionId" in listed["inputSchema"]["properties"]
    assert "sessionId" not in listed["inputSchema"].get("required", [])


async def raw_tools(url: str) -> dict[str, dict[str, Any]]:
    """tools/list as a 2025-11-25 client reads it off the wire."""
    headers = {"Accept": "application/json"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}
        started = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        session = {"Mcp-Session-Id": started.headers["mcp-session-id"], "MCP-Protocol-Version": "2025-11-25"}
        listed = await http.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=session)
    return {tool["name"]: tool for tool in listed.json()["result"]["tools"]}


async def test_the_widget_flow_still_works_with_a_session_id(live: LiveServer) -> None:
    session_id = await signed_in_session(live)
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": FITBIT})
    assert not result.is_error, text_of(result)
    assert structured(result)["sessionId"] == session_id


async def test_a_token_names_the_shopper_without_a_session_id(live: LiveServer) -> None:
    token = mint_token(live, "/mcp3", "cart orders")
    async with connected(f"{live.url}/mcp3", token=token) as client:
        result = await client.call_tool("add-to-cart", {"productId": FITBIT})
    assert not result.is_error, text_of(result)
    assert "Fitbit" in structured(result)["line"]["title"]


async def test_a_token_without_the_tools_scopes_answers_insufficient_scope(live: LiveServer) -> None:
    token = mint_token(live, "/mcp3", "cart")
    async with connected(f"{live.url}/mcp3", token=token) as client:
        result = await client.call_tool("checkout", {})
    assert result.is_error
    assert result.meta is not None
    (challenge,) = result.meta[WWW_AUTHENTICATE_META]
    assert 'error="insufficient_scope"' in challenge and 'scope="cart orders"' in challenge


async def test_an_invalid_token_is_refused_with_401_even_where_tokens_are_optional(live: LiveServer) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{live.url}/mcp2",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json", "Authorization": "Bearer not-a-token"},
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_every_endpoint_publishes_protected_resource_metadata(live: LiveServer) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        documents = {
            mount: (await http.get(f"{live.url}/.well-known/oauth-protected-resource/{mount}")).json()
            for mount in ("mcp", "mcp2", "mcp3", "mcp4")
        }
    for mount, document in documents.items():
        assert document["resource"] == f"{live.url}/{mount}"
        assert document["authorization_servers"] == [live.url]
        assert document["bearer_methods_supported"] == ["header"]
    assert documents["mcp3"]["scopes_supported"] == ["cart", "orders"]
    assert documents["mcp4"]["scopes_supported"] == ["membership"]
