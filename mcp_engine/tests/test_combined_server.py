"""``MCPServer.combine``: several servers offered as one, each tool still run by its own server."""

from __future__ import annotations

import pytest

from mcp_engine import MCPServer, ToolResult
from mcp_engine.tests.asgi import Client, modern_headers, modern_params, rpc
from mcp_engine.tools import ToolHints

HINTS = ToolHints(read_only=True, destructive=False, idempotent=True, open_world=False)


class Refused(Exception):
    """A business failure one server expects (its ``expected_errors``)."""


def servers() -> tuple[MCPServer, MCPServer]:
    notes = MCPServer(name="notes", version="1", uses_database=False, expected_errors=(Refused,))
    tasks = MCPServer(name="tasks", version="1", uses_database=False)

    @notes.tool(name="read-note", title="Read note", **HINTS)
    async def read_note(title: str) -> ToolResult[None]:
        """Read a note."""
        raise Refused(f"{title} is private.")

    @tasks.tool(name="list-tasks", title="List tasks", **HINTS)
    async def list_tasks() -> ToolResult[None]:
        """List the tasks."""
        return ToolResult(text="Nothing to do.")

    return notes, tasks


async def call(client: Client, method: str, params: dict[str, object]) -> dict[str, object]:
    response = await client.request(
        "POST", "/all", json_body=rpc(method, modern_params(params)), headers=modern_headers(method, params)
    )
    assert response.status == 200, response.body
    return dict(response.json()["result"])


async def test_it_lists_every_tool_and_runs_each_through_its_own_server() -> None:
    combined = MCPServer.combine(*servers(), name="all", version="1", instructions="Notes and tasks.")
    client = Client({"all": combined})
    listed = await call(client, "tools/list", {})
    assert [tool["name"] for tool in listed["tools"]] == ["read-note", "list-tasks"]  # type: ignore[attr-defined]
    assert (await call(client, "server/discover", {}))["instructions"] == "Notes and tasks."

    done = await call(client, "tools/call", {"name": "list-tasks", "arguments": {}})
    assert done["content"] == [{"type": "text", "text": "Nothing to do."}]
    refused = await call(client, "tools/call", {"name": "read-note", "arguments": {"title": "Diary"}})
    assert refused["isError"] is True and refused["content"] == [{"type": "text", "text": "Diary is private."}]


def test_two_servers_with_a_tool_of_the_same_name_cannot_be_combined() -> None:
    notes, _ = servers()
    twin, _ = servers()
    with pytest.raises(ValueError, match="read-note"):
        MCPServer.combine(notes, twin, name="all", version="1")
