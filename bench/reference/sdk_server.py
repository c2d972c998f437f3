"""REFERENCE PEER, not product code: the official Python MCP SDK (PyPI ``mcp``, ``MCPServer``).

bench/run.py loads this next to our own server so that both answer the same trivial tool in the same
run, on the same machine and the same ASGI server. Nothing in the project imports it.

ASGI apps exported:
  sdk_server:app         Streamable HTTP at /mcp, stateless, JSON responses (the SDK's fastest mode for a
                         2026-07-28 request). Needs ASGI lifespan (uvicorn).
  sdk_server:daphne_app  the same app for daphne, which sends no lifespan events: it enters the SDK's
                         session manager itself on the first request. That task never ends, so this
                         daphne ignores SIGTERM; bench/run.py sends SIGKILL after a grace period.
  sdk_server:sse_app     the legacy 2024-11-05 HTTP+SSE transport: GET /sse, POST /messages/?session_id=...
  sdk_server:stateful_app / stateful_daphne_app
                         Streamable HTTP at /mcp, stateful (Mcp-Session-Id), JSON responses: a second MCPServer
                         with the same tool, for the 2025 GET stream (initialize -> Mcp-Session-Id -> GET).

Tool: ``test_simple_text()``, the same name, (empty) arguments and text as our /mcp-conformance fixture.
"""

import asyncio
import logging
import os
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from starlette.types import ASGIApp, Receive, Scope, Send

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOG_LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level() -> LogLevel:
    wanted = os.environ.get("MCP_LOG_LEVEL", "WARNING")
    for level in LOG_LEVELS:
        if level == wanted:
            return level
    raise SystemExit(f"MCP_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {wanted!r}")


LOG_LEVEL = _log_level()

mcp = MCPServer("bench-sdk-reference", log_level=LOG_LEVEL)


@mcp.tool(name="test_simple_text", structured_output=False)
def test_simple_text() -> str:
    """Tests simple text content response"""
    return "This is a simple text response for testing."


app = mcp.streamable_http_app(stateless_http=True, json_response=True)
sse_app = mcp.sse_app()

stateful = MCPServer("bench-sdk-reference-stateful", log_level=LOG_LEVEL)
stateful.tool(name="test_simple_text", structured_output=False)(test_simple_text)
stateful_app = stateful.streamable_http_app(stateless_http=False, json_response=True)
logging.getLogger("mcp").setLevel(LOG_LEVEL)


async def _run_session_manager(server: MCPServer, ready: asyncio.Future[bool]) -> None:
    async with server.session_manager.run():
        ready.set_result(True)
        await asyncio.Event().wait()


def _daphne(server: MCPServer, inner: ASGIApp) -> ASGIApp:
    state: dict[str, Any] = {}

    async def shim(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if "ready" not in state:
            loop = asyncio.get_running_loop()
            state["ready"] = loop.create_future()
            state["runner"] = loop.create_task(_run_session_manager(server, state["ready"]))  # keep a reference
        await state["ready"]
        await inner(scope, receive, send)

    return shim


daphne_app = _daphne(mcp, app)
stateful_daphne_app = _daphne(stateful, stateful_app)
