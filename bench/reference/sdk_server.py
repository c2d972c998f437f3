"""REFERENCE PEER, not product code: the official Python MCP SDK (PyPI ``mcp``, ``MCPServer``).

bench/run.py loads this next to our own server so that both answer the same trivial tool in the same
run, on the same machine and the same ASGI server. Nothing in the project imports it.

ASGI apps exported:
  sdk_server:app         Streamable HTTP at /mcp, stateless, JSON responses (the SDK's fastest mode for a
                         2026-07-28 request; see ../shared/bench/ANCHORS.md). Needs ASGI lifespan (uvicorn).
  sdk_server:daphne_app  the same app for daphne, which sends no lifespan events: it enters the SDK's
                         session manager itself on the first request. That task never ends, so this
                         daphne ignores SIGTERM; bench/run.py sends SIGKILL after a grace period.
  sdk_server:sse_app     the legacy 2024-11-05 HTTP+SSE transport: GET /sse, POST /messages/?session_id=...

Tool: ``test_simple_text()``, the same name, (empty) arguments and text as our /mcp-conformance fixture.
"""

import asyncio
import logging
import os

from mcp.server.mcpserver import MCPServer

LOG_LEVEL = os.environ.get("MCP_LOG_LEVEL", "WARNING")

mcp = MCPServer("bench-sdk-reference", log_level=LOG_LEVEL)


@mcp.tool(name="test_simple_text", structured_output=False)
def test_simple_text() -> str:
    """Tests simple text content response"""
    return "This is a simple text response for testing."


app = mcp.streamable_http_app(stateless_http=True, json_response=True)
sse_app = mcp.sse_app()
logging.getLogger("mcp").setLevel(LOG_LEVEL)

_ready: asyncio.Future | None = None
_runner: asyncio.Task | None = None


async def _run_session_manager(ready: asyncio.Future) -> None:
    async with mcp.session_manager.run():
        ready.set_result(True)
        await asyncio.Event().wait()


async def daphne_app(scope, receive, send):
    global _ready, _runner
    if scope["type"] != "http":
        return
    if _ready is None:
        loop = asyncio.get_running_loop()
        _ready = loop.create_future()
        _runner = loop.create_task(_run_session_manager(_ready))  # keep a reference
    await _ready
    await app(scope, receive, send)
