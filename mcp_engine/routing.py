"""URL patterns that mount an MCPServer on a path, for the project's Channels URLRouter."""

from __future__ import annotations

from typing import Any

from django.urls import re_path

from mcp_engine.consumers import MCPConsumer, SSEMessageConsumer
from mcp_engine.server import MCPServer


def mcp_urlpatterns(prefix: str, server: MCPServer) -> list[Any]:
    """``/<prefix>`` (Streamable HTTP and the SSE stream) and ``/<prefix>/messages`` (SSE posts)."""
    return [
        re_path(rf"^{prefix}/messages/?$", SSEMessageConsumer.as_asgi(server=server)),
        re_path(rf"^{prefix}/?$", MCPConsumer.as_asgi(server=server)),
    ]
