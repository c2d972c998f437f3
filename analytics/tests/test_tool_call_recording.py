"""Tool calls are recorded server-side through the engine's observer hook, off the request path."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from analytics import recording
from analytics.models import ToolCall
from analytics.shoppers import shopper_key
from mcp_engine import MCPServer, ToolError
from mcp_engine.tests.asgi import Client, modern_headers, modern_params, rpc
from mcp_engine.tools import ToolHints

shelf = MCPServer(name="shelf", version="1.0.0", principal_argument="sessionId", uses_database=False)
plain: ToolHints = {"read_only": True, "destructive": False, "idempotent": True, "open_world": False}


@shelf.tool(name="look", title="Look at the shelf", **plain)
async def look(sessionId: str, empty: bool = False) -> str:
    """Look at the shelf."""
    if empty:
        raise ToolError("The shelf is empty.")
    return "a shelf"


client = Client({"shelf": shelf})


async def call(arguments: dict[str, object]) -> int:
    params = modern_params({"name": "look", "arguments": arguments})
    answer = await client.request(
        "POST", "/shelf", json_body=rpc("tools/call", params), headers=modern_headers("tools/call", params, {})
    )
    return answer.status


@pytest.fixture(autouse=True)
def recording_on(settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = "0"
    settings.MCP_RATE_LIMIT_PER_ADDRESS = "0"
    settings.MCP_TOOL_CALL_OBSERVERS = ["analytics.recording.record_tool_call"]
    settings.ANALYTICS_FLUSH_MS = 60_000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_tool_calls_wait_in_memory_then_land_in_one_batch_with_their_outcome() -> None:
    assert await call({"sessionId": "handle-a"}) == 200
    assert await call({"sessionId": "handle-a", "empty": True}) == 200
    # Answered, and nothing written yet: the calls wait for the batch.
    assert await ToolCall.objects.acount() == 0

    await recording.flushed()

    rows = [row async for row in ToolCall.objects.order_by("occurred_at")]
    assert [(row.server, row.tool, row.outcome) for row in rows] == [
        ("shelf", "look", "ok"),
        ("shelf", "look", "tool_error"),
    ]
    assert {row.shopper for row in rows} == {shopper_key("handle-a")}
    assert all(row.duration_ms >= 0 for row in rows)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_full_batch_is_written_without_waiting_for_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "BATCH_SIZE", 3)
    for _ in range(3):
        await call({"sessionId": "handle-b"})

    # The third call started the write; waiting for it flushes nothing new.
    assert not recording._pending
    await recording.flushed()
    assert await ToolCall.objects.filter(shopper=shopper_key("handle-b")).acount() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_with_recording_off_nothing_is_buffered(settings: Settings) -> None:
    settings.MCP_TOOL_CALL_OBSERVERS = []
    await call({"sessionId": "handle-c"})
    assert not recording._pending
