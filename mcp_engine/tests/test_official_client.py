"""The official MCP Python client, in each of its three ways of connecting, against a live server
that mounts the conformance fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import TextResourceContents

from tests.liveserver import LiveServer, text_of

Connect = Callable[[str], Client]
CONNECTIONS: dict[str, Connect] = {
    "2026-07-28": lambda url: Client(url),
    "streamable-http-legacy": lambda url: Client(streamable_http_client(url), mode="legacy"),
    "http-sse": lambda url: Client(sse_client(url), mode="legacy"),
}
EXPECTED_VERSION = {"2026-07-28": "2026-07-28", "streamable-http-legacy": "2025-11-25", "http-sse": "2025-11-25"}


@pytest.mark.parametrize("connection", CONNECTIONS)
async def test_each_connection_negotiates_its_version_and_lists_everything(live: LiveServer, connection: str) -> None:
    async with CONNECTIONS[connection](f"{live.url}/mcp-conformance") as client:
        assert client.protocol_version == EXPECTED_VERSION[connection]
        assert client.server_info is not None and client.server_info.name == "mcp-conformance"
        tools = await client.list_tools()
        resources = await client.list_resources()
        prompts = await client.list_prompts()
    names = [tool.name for tool in tools.tools]
    assert "test_simple_text" in names and len(names) == len(set(names))
    assert {resource.uri for resource in resources.resources} >= {"test://static-text", "test://static-binary"}
    assert "test_simple_prompt" in [prompt.name for prompt in prompts.prompts]


@pytest.mark.parametrize("connection", CONNECTIONS)
async def test_conformance_tools_can_be_called(live: LiveServer, connection: str) -> None:
    async with CONNECTIONS[connection](f"{live.url}/mcp-conformance") as client:
        text = await client.call_tool("test_simple_text", {})
        card = await client.call_tool("show_test_card", {"title": "Hello", "items": ["a", "<b>"]})
        failed = await client.call_tool("test_error_handling", {})
        invalid = await client.call_tool("show_test_card", {"title": ""})
    assert text_of(text) == "This is a simple text response for testing."
    assert card.structured_content == {"title": "Hello", "items": ["a", "<b>"]}
    assert not card.is_error
    assert failed.is_error and "intentionally" in text_of(failed)
    assert invalid.is_error and "title" in text_of(invalid)


async def test_widget_resources_carry_both_key_families(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp-conformance") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        meta = tools["show_test_card"].meta or {}
        uri = meta["ui"]["resourceUri"]
        read = await client.read_resource(uri)
    assert meta["openai/outputTemplate"] == uri
    assert meta["openai/toolInvocation/invoking"] and meta["openai/toolInvocation/invoked"]
    contents = read.contents[0]
    assert isinstance(contents, TextResourceContents), "a widget is HTML text"
    assert contents.mime_type == "text/html;profile=mcp-app"
    html = contents.text
    assert "const Widget" in html or "window.Widget" in html, "the runtime is inlined"
    assert ' src="http' not in html and ' href="http' not in html, "a widget loads nothing from elsewhere"
    widget_meta = contents.meta or {}
    assert widget_meta["ui"]["prefersBorder"] is True
    assert widget_meta["openai/widgetPrefersBorder"] is True
    assert "csp" in widget_meta["ui"] and "openai/widgetCSP" in widget_meta
    assert widget_meta["openai/widgetDescription"]


async def test_progress_and_logs_reach_a_legacy_client(live: LiveServer) -> None:
    logs: list[str] = []

    async def on_log(params: object) -> None:
        logs.append(str(getattr(params, "data", "")))

    reported: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reported.append(progress)

    async with Client(f"{live.url}/mcp-conformance", mode="legacy", logging_callback=on_log) as client:
        await client.call_tool("test_tool_with_logging", {})
        await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
    assert logs == ["Tool execution started", "Tool processing data", "Tool execution completed"]
    assert reported == [0, 50, 100]


async def test_sampling_travels_back_over_legacy_sse(live: LiveServer) -> None:
    from mcp_types import CreateMessageResult, TextContent

    async def sample(context: object, params: object) -> CreateMessageResult:
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text="Paris"), model="test")

    async with Client(sse_client(f"{live.url}/mcp-conformance"), mode="legacy", sampling_callback=sample) as client:
        result = await client.call_tool("test_sampling", {"prompt": "Capital of France?"})
    assert text_of(result) == "LLM response: Paris"
