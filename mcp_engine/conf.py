"""The engine's settings and their defaults, stated once.

The engine reads every setting of its own through ``mcp_settings``: the project's value when its
settings module sets one, else the default here. A project sets only what it configures.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings


class Defaults:
    # URL path -> dotted path of the MCPServer that answers there, e.g. {"mcp": "notes.tools.server"}.
    MCP_SERVERS: dict[str, str] = {}
    # Browser origins allowed to call the endpoints besides their own (they get CORS headers and
    # preflight answers); requests without an Origin header (server-side clients) are always accepted.
    MCP_ALLOWED_ORIGINS: list[str] = []
    MCP_MAX_BODY_BYTES: int = 4 * 1024 * 1024
    # A request body still arriving after this long is refused with 408 (slow-body clients).
    MCP_BODY_TIMEOUT_SECONDS: float = 30.0
    # Long-lived streams (SSE, GET session streams, subscriptions/listen) one client address may
    # hold open on one process; 0 for no cap.
    MCP_MAX_STREAMS_PER_ADDRESS: int = 20
    # Handshake-era sessions end after this long without a request.
    MCP_SESSION_TTL_SECONDS: int = 24 * 3600
    # A comment on idle SSE streams this often, so proxies keep them open.
    MCP_SSE_KEEPALIVE_SECONDS: int = 15
    # "requests/seconds" per client address on the endpoints, and per principal (the caller a
    # server's principal_argument names) on tool calls; "0" turns a limit off.
    MCP_RATE_LIMIT_PER_ADDRESS: str = "600/60"
    MCP_RATE_LIMIT_PER_PRINCIPAL: str = "100/60"
    # Behind a reverse proxy that appends X-Forwarded-For, count the address it saw.
    MCP_TRUST_X_FORWARDED_FOR: bool = False
    # A template name: the project's widget theme, inlined into every widget after the engine's
    # brand-neutral base styles. Empty: widgets wear only the base styles and the host's variables.
    MCP_WIDGET_THEME: str = ""
    # Dotted paths of callables handed a ToolCallRecord after every tool call (analytics, audit).
    # They run in the request path on the event loop, so they must be quick and must not block:
    # buffer the record and write it later. One that raises is logged and never fails the call.
    MCP_TOOL_CALL_OBSERVERS: list[str] = []
    # How the endpoints treat bearer tokens: "widget" (ignored), "mixed" or "oauth" (see mcp_engine.auth).
    MCP_AUTH: str = "widget"
    # Dotted path of the async callable (token, resource URL) -> Principal | None that checks tokens.
    MCP_TOKEN_VERIFIER: str = ""
    # The public origin the endpoints are reached at: their resource URLs are this plus their path.
    MCP_RESOURCE_BASE_URL: str = ""
    # Issuers of the authorization servers whose tokens the endpoints accept (RFC 9728).
    MCP_AUTHORIZATION_SERVERS: list[str] = []
    # The dedicated origin a host gives this app's widgets (``_meta.ui.domain``, ChatGPT's
    # ``openai/widgetDomain``), e.g. "https://shop-example-com.oaiusercontent.com"; empty: none declared.
    MCP_WIDGET_DOMAIN: str = ""
    # Rate-limit counters shared by every process; empty: each process counts in its own memory.
    REDIS_URL: str = ""


class EngineSettings(Defaults):
    """``mcp_settings.MCP_MAX_BODY_BYTES``: the project's value, else the default.

    Read on every access, so Django's ``override_settings`` works in tests.
    """

    def __getattribute__(self, name: str) -> Any:
        default = object.__getattribute__(self, name)
        if name.startswith("_") or not name.isupper():
            return default
        return getattr(django_settings, name, default)


mcp_settings = EngineSettings()
