"""Which MCP server answers on which path: the project's ``MCP_SERVERS``, read once.

``MCP_SERVERS = {"mcp": "notes.tools.server"}`` mounts the ``MCPServer`` named ``server`` in
``notes/tools.py`` at ``/mcp``. The ASGI URL conf, the system checks and the tests read it here.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from mcp_engine import transports
from mcp_engine.conf import mcp_settings
from mcp_engine.server import MCPServer


@functools.cache
def mounted_servers() -> dict[str, MCPServer]:
    """URL path (without slashes) -> the MCPServer mounted there, in the order of MCP_SERVERS."""
    servers = {}
    for path, dotted in mcp_settings.MCP_SERVERS.items():
        try:
            server = import_string(dotted)
        except ImportError as exc:
            raise ImproperlyConfigured(f"MCP_SERVERS[{path!r}] = {dotted!r} cannot be imported: {exc}") from exc
        if not isinstance(server, MCPServer):
            raise ImproperlyConfigured(
                f"MCP_SERVERS[{path!r}] = {dotted!r} is a {type(server).__name__}, not an MCPServer."
            )
        servers[path] = server
    return servers


def urlpatterns() -> list[Any]:
    """Channels URL patterns for every mounted server, for the project's ``URLRouter``."""
    return [route for path, server in mounted_servers().items() for route in transports.urlpatterns(path, server)]


@receiver(setting_changed)
def _forget_servers(*, setting: str, **kwargs: Any) -> None:
    if setting == "MCP_SERVERS":
        mounted_servers.cache_clear()
