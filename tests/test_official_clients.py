"""Every endpoint the project mounts answers the official MCP client in each of its three ways of
connecting, and names itself."""

from __future__ import annotations

import pytest

from mcp_engine.registry import mounted_servers
from mcp_engine.tests.test_official_client import CONNECTIONS, EXPECTED_VERSION
from tests.liveserver import LiveServer

ENDPOINTS = {f"/{path}": server.name for path, server in mounted_servers().items()}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("connection", CONNECTIONS)
async def test_every_endpoint_names_itself_and_lists_tools_and_resources(
    live: LiveServer, path: str, connection: str
) -> None:
    async with CONNECTIONS[connection](f"{live.url}{path}") as client:
        assert client.protocol_version == EXPECTED_VERSION[connection]
        assert client.server_info is not None and client.server_info.name == ENDPOINTS[path]
        assert client.server_info.version
        tools = await client.list_tools()
        resources = await client.list_resources()
    names = [tool.name for tool in tools.tools]
    assert names and len(names) == len(set(names))
    for resource in resources.resources:
        assert resource.uri.startswith(("ui://", "test://"))
