"""System checks: a bad server entry or a broken widget template is reported at start-up, not on a
host's first call."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from mcp_engine import auth
from mcp_engine.conf import mcp_settings
from mcp_engine.registry import mounted_servers


@checks.register()
def mounted_server_widgets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        servers = mounted_servers()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(str(exc), hint="Name an MCPServer instance, e.g. notes.tools.server.", id="mcp_engine.E002")
        ]
    problems: list[checks.CheckMessage] = []
    for path, server in servers.items():
        for widget in server.widgets:
            try:
                widget.html  # noqa: B018 - loads and inlines the template
            except Exception as exc:
                problems.append(
                    checks.Error(
                        f"Widget {widget.name!r} of /{path} cannot be served: {exc}",
                        hint=f"Create templates/{widget.template_name} with the widget-runtime marker in <head>.",
                        id="mcp_engine.E001",
                    )
                )
    return problems


@checks.register()
def token_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    mode = mcp_settings.MCP_AUTH
    if mode not in auth.AUTH_MODES:
        return [
            checks.Error(
                f"MCP_AUTH is {mode!r}.", hint=f"Use one of: {', '.join(auth.AUTH_MODES)}.", id="mcp_engine.E003"
            )
        ]
    if mode == auth.WIDGET:
        return []
    problems: list[checks.CheckMessage] = []
    for name in ("MCP_TOKEN_VERIFIER", "MCP_RESOURCE_BASE_URL", "MCP_AUTHORIZATION_SERVERS"):
        if not getattr(mcp_settings, name):
            problems.append(
                checks.Error(
                    f"MCP_AUTH is {mode!r} but {name} is not set.",
                    hint="Tokens can only be checked with a verifier, the endpoints' public origin and an issuer.",
                    id="mcp_engine.E004",
                )
            )
    return problems
