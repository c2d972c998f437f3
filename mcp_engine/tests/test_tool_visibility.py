"""Who may call a tool (MCP Apps' ``_meta.ui.visibility``), as tools/list declares it for hosts."""

from __future__ import annotations

import pytest

from mcp_engine import MCPServer, ToolResult
from mcp_engine.tests.asgi import Client, modern_headers, modern_params, rpc
from mcp_engine.tools import ToolHints

HINTS = ToolHints(read_only=False, destructive=False, idempotent=True, open_world=False)


def server() -> MCPServer:
    notes = MCPServer(name="notes", version="1")

    @notes.tool(name="save-note", title="Save note", visibility=("app",), **HINTS)
    async def save_note(text: str) -> ToolResult[None]:
        """Save the note the widget's user typed."""
        return ToolResult(text=f"Saved {text}.")

    @notes.tool(name="list-notes", title="List notes", **HINTS)
    async def list_notes() -> ToolResult[None]:
        """List the notes."""
        return ToolResult(text="No notes.")

    return notes


async def listed_tools() -> dict[str, dict[str, object]]:
    client = Client({"notes": server()})
    response = await client.request(
        "POST", "/notes", json_body=rpc("tools/list", modern_params({})), headers=modern_headers("tools/list")
    )
    return {tool["name"]: tool for tool in response.json()["result"]["tools"]}


async def test_an_app_only_tool_is_marked_for_hosts_to_hide_from_the_model() -> None:
    tool = (await listed_tools())["save-note"]
    assert tool["_meta"] == {
        "ui": {"visibility": ["app"]},
        "openai/widgetAccessible": True,
        "openai/visibility": "private",
    }


async def test_a_tool_with_the_default_visibility_carries_no_ui_meta() -> None:
    assert "_meta" not in (await listed_tools())["list-notes"]


def test_an_unknown_visibility_is_refused_at_declaration() -> None:
    notes = MCPServer(name="notes", version="1")
    with pytest.raises(ValueError, match="visibility"):

        @notes.tool(name="odd", title="Odd", visibility=("user",), **HINTS)
        async def odd() -> ToolResult[None]:
            """Odd."""
            return ToolResult(text="odd")
