"""The front door at /: what this is, the connector URLs (the one-connector endpoint first), how to
add them to ChatGPT and Claude, where the playground, admin and API schema are, and what this
deployment is configured with. Nothing secret is shown: backends by kind, never their addresses."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mcp_engine.registry import mounted_servers
from search_mcp.catalogs import active_catalog
from storefront.tools import server as one_connector


@dataclass(frozen=True)
class Connector:
    url: str
    title: str
    tools: list[str]
    everything: bool


def connectors() -> list[Connector]:
    """Every mounted endpoint as an absolute URL, the one serving the whole shop first."""
    found = [
        Connector(
            url=f"{settings.PUBLIC_BASE_URL}/{path}",
            title=server.title,
            tools=[name for name, tool in server.tools.items() if "model" in tool.visibility],
            everything=server is one_connector,
        )
        for path, server in mounted_servers().items()
    ]
    return sorted(found, key=lambda connector: not connector.everything)


def _kind(backend: object, kinds: dict[str, str]) -> str:
    backend = str(backend)
    return next((label for word, label in kinds.items() if word in backend.lower()), backend.rsplit(".", 1)[-1])


def configuration() -> list[tuple[str, str]]:
    catalog = active_catalog()
    on_off = {True: "on", False: "off"}
    return [
        (
            "Catalog",
            "Target through Unwrangle" if catalog.name.startswith("unwrangle") else "the local demo catalog",
        ),
        ("Database", {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)),
        ("Cache", _kind(settings.CACHES["default"]["BACKEND"], {"redis": "Redis", "locmem": "local memory"})),
        (
            "Channel layer",
            _kind(settings.CHANNEL_LAYERS["default"]["BACKEND"], {"redis": "Redis", "inmemory": "in memory"}),
        ),
        ("Development mode (DEBUG)", on_off[bool(settings.DEBUG)]),
        ("Sign-in codes shown in the widget (DEMO_MODE)", on_off[bool(settings.DEMO_MODE)]),
        ("Unknown emails create a shopper (DEMO_OPEN_SIGNIN)", on_off[bool(settings.DEMO_OPEN_SIGNIN)]),
        ("Conformance fixtures (MCP_CONFORMANCE_FIXTURES)", on_off[bool(settings.MCP_CONFORMANCE_FIXTURES)]),
    ]


def index(request: HttpRequest) -> HttpResponse:
    listed = connectors()
    return render(
        request,
        "storefront/index.html",
        {
            "connectors": listed,
            "one": listed[0],
            "configuration": configuration(),
            "playground_open": settings.DEBUG,
            "demo_mode": settings.DEMO_MODE,
            "schema_open": settings.DEBUG or settings.API_SCHEMA_PUBLIC,
        },
    )
