"""The registry of servers: MCP_SERVERS names each path's server; the URL conf and the system checks
read it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from conformance_fixtures.tools import server as fixtures_server
from mcp_engine import MCPServer, registry
from mcp_engine.checks import mounted_server_widgets
from mcp_engine.tests.asgi import Client, modern_headers, modern_params, rpc

notes = MCPServer(name="notes", version="1.0.0", uses_database=False)
sketchy = MCPServer(name="sketchy", version="1.0.0", uses_database=False)
sketchy.widget("no-such-widget-template", title="Missing", description="Its template does not exist.")
not_a_server = {"name": "notes"}

HERE = "mcp_engine.tests.test_registry"


@pytest.fixture
def mounted(settings: Settings) -> Settings:
    settings.MCP_SERVERS = {"notes": f"{HERE}.notes", "mcp-conformance": "conformance_fixtures.tools.server"}
    return settings


@pytest.mark.usefixtures("mounted")
def test_each_path_gets_the_server_its_dotted_path_names_in_order() -> None:
    servers = registry.mounted_servers()
    assert list(servers) == ["notes", "mcp-conformance"]
    assert servers["notes"] is notes and servers["mcp-conformance"] is fixtures_server
    assert registry.mounted_servers() is servers, "read once"


def test_changing_the_setting_changes_the_servers(mounted: Settings) -> None:
    assert list(registry.mounted_servers()) == ["notes", "mcp-conformance"]
    mounted.MCP_SERVERS = {"elsewhere": f"{HERE}.notes"}
    assert list(registry.mounted_servers()) == ["elsewhere"]


@pytest.mark.parametrize(
    ("dotted", "problem"),
    [(f"{HERE}.missing", "cannot be imported"), (f"{HERE}.not_a_server", "is a dict, not an MCPServer")],
)
def test_an_entry_that_names_no_server_is_reported_naming_it(settings: Settings, dotted: str, problem: str) -> None:
    settings.MCP_SERVERS = {"broken": dotted}
    with pytest.raises(ImproperlyConfigured, match=problem):
        registry.mounted_servers()
    [error] = mounted_server_widgets()
    assert error.id == "mcp_engine.E002"
    assert "MCP_SERVERS['broken']" in error.msg and problem in error.msg


def test_a_widget_without_its_template_fails_the_system_check(settings: Settings) -> None:
    settings.MCP_SERVERS = {"notes": f"{HERE}.notes", "sketchy": f"{HERE}.sketchy"}
    [error] = mounted_server_widgets()
    assert error.id == "mcp_engine.E001"
    assert "'no-such-widget-template' of /sketchy" in error.msg
    assert error.hint is not None and "templates/widgets/no-such-widget-template.html" in error.hint


@pytest.mark.usefixtures("mounted")
async def test_the_url_patterns_route_every_path_and_its_message_endpoint() -> None:
    client = Client.routing(registry.urlpatterns())
    params = modern_params({})
    discovered = await client.request(
        "POST", "/notes", json_body=rpc("server/discover", params), headers=modern_headers("server/discover")
    )
    assert discovered.json()["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "notes"
    fixtures = await client.request(
        "POST", "/mcp-conformance/", json_body=rpc("server/discover", params), headers=modern_headers("server/discover")
    )
    assert fixtures.json()["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "mcp-conformance"
    messages = await client.request("POST", "/notes/messages?sessionId=" + "0" * 32, json_body=rpc("ping"))
    assert messages.status == 404 and "SSE stream" in messages.json()["error"]["message"]
