"""Which MCP server answers on which path: /mcp, /mcp2, /mcp3, /mcp4."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

MCP_SERVERS = {
    "mcp": "auth_mcp.tools.server",
    "mcp2": "search_mcp.tools.server",
    "mcp3": "checkout_mcp.tools.server",
    "mcp4": "membership_mcp.tools.server",
}
# Fixtures for the official conformance suite and the widget tests; never in production.
CONFORMANCE_SERVER = ("mcp-conformance", "mcp_engine.conformance.server")


def mounted_servers() -> dict[str, object]:
    paths = dict(MCP_SERVERS)
    if settings.MCP_CONFORMANCE_FIXTURES:
        paths[CONFORMANCE_SERVER[0]] = CONFORMANCE_SERVER[1]
    return {prefix: import_string(dotted) for prefix, dotted in paths.items()}
