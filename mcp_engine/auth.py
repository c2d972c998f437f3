"""Bearer tokens on the MCP endpoints, as the MCP authorization spec asks, for any token issuer.

The engine never issues or stores tokens. The project names a verifier (``MCP_TOKEN_VERIFIER``):
an async callable that takes the token and the canonical URL of the endpoint it was sent to, and
answers the ``Principal`` it stands for, or None. A principal's ``subject`` is the value of the
server's ``principal_argument`` (e.g. a session handle): with a token, tools get it from there
instead of from the model.

``MCP_AUTH`` chooses how the endpoints treat tokens:
- ``widget``: tokens are ignored; tools that need a principal get it from their arguments only.
- ``mixed``: a token or the principal argument; a tool that needs a principal and gets neither
  answers a tool error carrying the challenge in ``_meta["mcp/www_authenticate"]``.
- ``oauth``: every request to an endpoint with such tools needs a valid token (HTTP 401), and a
  token without a tool's scopes is refused with ``insufficient_scope`` (HTTP 403).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from mcp_engine.conf import mcp_settings
from mcp_engine.errors import INVALID_REQUEST, MCPError

if TYPE_CHECKING:
    from mcp_engine.server import MCPServer

WIDGET = "widget"
MIXED = "mixed"
OAUTH = "oauth"
AUTH_MODES = (WIDGET, MIXED, OAUTH)

WWW_AUTHENTICATE_HEADER = b"www-authenticate"
# Where a tool error carries its challenge (OpenAI Apps SDK): hosts show their linking UI from it.
WWW_AUTHENTICATE_META = "mcp/www_authenticate"
METADATA_PATH = "/.well-known/oauth-protected-resource"
INVALID_TOKEN = "invalid_token"
INSUFFICIENT_SCOPE = "insufficient_scope"


@dataclass(frozen=True)
class Principal:
    """Who a valid token stands for: the server's principal value, and what the token allows."""

    subject: str
    scopes: frozenset[str]
    client_id: str = ""


TokenVerifier = Callable[[str, str], Awaitable[Principal | None]]


def mode() -> str:
    return str(mcp_settings.MCP_AUTH)


def tokens_accepted() -> bool:
    return mode() != WIDGET


@functools.cache
def _verifier(dotted: str) -> TokenVerifier:
    verifier: TokenVerifier = import_string(dotted)
    return verifier


async def verify(token: str, mount: str) -> Principal | None:
    """The principal of a token sent to the endpoint mounted at ``mount``; None if it is not valid there."""
    dotted = mcp_settings.MCP_TOKEN_VERIFIER
    if not dotted:
        return None
    return await _verifier(dotted)(token, resource_url(mount))


def bearer_token(headers: Mapping[str, list[str]]) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; "" for a malformed one, None when absent."""
    values = headers.get("authorization")
    if not values:
        return None
    scheme, _, token = values[0].strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def resource_url(mount: str) -> str:
    """The canonical URL of the endpoint at ``mount``: the resource its tokens are bound to (RFC 8707)."""
    return f"{mcp_settings.MCP_RESOURCE_BASE_URL.rstrip('/')}/{mount}"


def metadata_url(mount: str) -> str:
    """Where the endpoint's protected-resource metadata (RFC 9728) is published."""
    return f"{mcp_settings.MCP_RESOURCE_BASE_URL.rstrip('/')}{METADATA_PATH}/{mount}"


def server_scopes(server: MCPServer) -> list[str]:
    return sorted({scope for tool in server.tools.values() for scope in tool.scopes})


def guards_endpoint(server: MCPServer) -> bool:
    """In ``oauth`` mode an endpoint with tools that need a principal answers nothing without a token."""
    return mode() == OAUTH and any(tool.scopes for tool in server.tools.values())


def challenge(mount: str, scopes: Iterable[str], error: str | None = None, description: str | None = None) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750, with RFC 9728's ``resource_metadata``)."""
    parts = [f'resource_metadata="{metadata_url(mount)}"']
    wanted = " ".join(scopes)
    if wanted:
        parts.append(f'scope="{wanted}"')
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(parts)


def refusal(status: int, message: str, www_authenticate: str) -> MCPError:
    """An HTTP-level refusal (401 or 403) that carries its challenge."""
    error = MCPError(INVALID_REQUEST, message)
    error.http_status = status
    error.www_authenticate = www_authenticate
    return error


def security_schemes(scopes: Iterable[str]) -> list[dict[str, Any]]:
    """A tool's ``securitySchemes``: anonymous use still works in ``mixed`` mode (the principal argument)."""
    oauth2 = {"type": "oauth2", "scopes": list(scopes)}
    return [{"type": "noauth"}, oauth2] if mode() == MIXED else [oauth2]


def protected_resource_metadata(mount: str, server: MCPServer) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resource": resource_url(mount),
        "authorization_servers": list(mcp_settings.MCP_AUTHORIZATION_SERVERS),
        "scopes_supported": server_scopes(server),
        "bearer_methods_supported": ["header"],
        "resource_name": server.title,
    }
    return document


@receiver(setting_changed)
def _forget_lists(*, setting: str, **kwargs: Any) -> None:
    # Tool listings carry securitySchemes and which arguments are required, both of which depend on the mode.
    if setting == "MCP_AUTH":
        from mcp_engine.registry import mounted_servers

        for server in mounted_servers().values():
            server.changed()
