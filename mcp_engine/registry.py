"""The MCP servers the project mounts: settings.MCP_SERVERS, URL path -> dotted path of an MCPServer."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from mcp_engine.server import MCPServer


@cache
def mounted_servers() -> dict[str, MCPServer]:
    return {path: import_string(dotted) for path, dotted in settings.MCP_SERVERS.items()}
