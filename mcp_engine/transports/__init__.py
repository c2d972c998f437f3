"""The HTTP transports of the three MCP generations, as Channels consumers that only move bytes."""

from mcp_engine.transports.base import broadcast_list_changed
from mcp_engine.transports.endpoint import MCPConsumer, urlpatterns
from mcp_engine.transports.sse import SSEMessageConsumer

__all__ = ["MCPConsumer", "SSEMessageConsumer", "broadcast_list_changed", "urlpatterns"]
