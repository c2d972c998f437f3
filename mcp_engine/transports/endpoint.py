"""One URL, three protocol generations: ``MCPConsumer`` picks the transport for each request.

- POST with a 2026-07-28 envelope (header or ``_meta``): stateless;
- POST ``initialize`` or POST in a session: 2025 Streamable HTTP;
- GET with ``Mcp-Session-Id``: that session's stream; DELETE ends the session;
- GET without it: a 2024-11-05 HTTP+SSE stream, whose POSTs go to ``SSEMessageConsumer``.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import re_path
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from mcp_engine.errors import MCPError
from mcp_engine.protocol import classify, error_response
from mcp_engine.server import MCPServer
from mcp_engine.transports.base import EVENT_STREAM, JSON, SESSION_HEADER, VERSION_HEADER
from mcp_engine.transports.sse import SSEMessageConsumer, SSETransport
from mcp_engine.transports.stateless import StatelessTransport
from mcp_engine.transports.streamable import StreamableHTTPTransport


class MCPConsumer(StatelessTransport, StreamableHTTPTransport, SSETransport):
    async def handle(self, body: bytes) -> None:
        method = self.scope["method"]
        version = self.header(VERSION_HEADER)
        modern_header = version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS
        if method == "POST":
            await self.post(body, modern_header)
        elif method in ("GET", "DELETE") and modern_header:
            await self.send_empty(405, [(b"allow", b"POST")])
        elif method == "GET":
            await (self.session_stream() if self.header(SESSION_HEADER) else self.sse_stream())
        elif method == "DELETE":
            await self.delete_session()
        else:
            await self.send_empty(405, [(b"allow", b"GET, POST, DELETE")])

    async def post(self, body: bytes, modern_header: bool) -> None:
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            await self.refuse(415, "Content-Type must be application/json.")
            return
        if not (self.accepts(JSON) or self.accepts(EVENT_STREAM)):
            await self.refuse(406, "Accept must include application/json or text/event-stream.")
            return
        try:
            message = classify(body)
        except MCPError as exc:
            await self.send_json(400, error_response(None, exc))
            return
        if modern_header or message.has_modern_envelope:
            await self.stateless(message)
        elif message.method == "initialize":
            await self.initialize(message)
        else:
            await self.in_session(message)


def urlpatterns(path: str, server: MCPServer) -> list[Any]:
    """``/<path>`` (every generation) and ``/<path>/messages`` (2024-11-05 posts) for one server."""
    prefix = re.escape(path)
    return [
        re_path(rf"^{prefix}/messages/?$", SSEMessageConsumer.as_asgi(server=server, mount=path)),
        re_path(rf"^{prefix}/?$", MCPConsumer.as_asgi(server=server, mount=path)),
    ]
