"""JSON-RPC errors the engine raises, and the HTTP status each one travels with."""

from __future__ import annotations

from functools import cache
from typing import Any

from mcp_types.jsonrpc import (
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    PARSE_ERROR,
    REQUEST_TIMEOUT,
    UNSUPPORTED_PROTOCOL_VERSION,
)

__all__ = [
    "HEADER_MISMATCH",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "MISSING_REQUIRED_CLIENT_CAPABILITY",
    "PARSE_ERROR",
    "RATE_LIMITED",
    "REQUEST_TIMEOUT",
    "UNSUPPORTED_PROTOCOL_VERSION",
    "MCPError",
    "ToolError",
    "http_status_for",
    "rate_limited",
    "refusal_headers",
    "service_unavailable",
    "unavailable_errors",
]

RATE_LIMITED = -32029  # in the implementation range the 2026-07-28 spec leaves to servers

# 2026-07-28 mandates 400 for the envelope and header errors and 404 for unknown methods; the
# rest follow the official SDK (INTERNAL_ERROR travels with 200: the exchange itself worked).
_MODERN_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    MISSING_REQUIRED_CLIENT_CAPABILITY: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}
# Handshake-era clients expect JSON-RPC errors inside a 200, except for bodies that are not
# JSON-RPC at all.
_LEGACY_STATUS = {PARSE_ERROR: 400, INVALID_REQUEST: 400}


def http_status_for(error: MCPError, *, modern: bool) -> int:
    if error.http_status is not None:
        return error.http_status
    return (_MODERN_STATUS if modern else _LEGACY_STATUS).get(error.code, 200)


class MCPError(Exception):
    """A protocol-level failure, answered as a JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        # Set when the refusal has its own HTTP meaning (429 and its Retry-After).
        self.http_status: int | None = None
        self.retry_after: int | None = None
        # A 401 or 403 refusal's challenge, sent as WWW-Authenticate (see mcp_engine.auth).
        self.www_authenticate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def refusal_headers(error: MCPError) -> list[tuple[bytes, bytes]]:
    """The HTTP headers a refusal travels with: Retry-After for a 429, WWW-Authenticate for a 401 or 403."""
    headers = []
    if error.retry_after:
        headers.append((b"retry-after", str(error.retry_after).encode()))
    if error.www_authenticate:
        headers.append((b"www-authenticate", error.www_authenticate.encode()))
    return headers


def rate_limited(retry_after: int, source: str) -> MCPError:
    """A 429 refusal; ``source`` says whose requests were counted ("from this client address")."""
    error = MCPError(
        RATE_LIMITED,
        f"Too many requests {source}; retry after {retry_after} seconds.",
        {"retryAfter": retry_after},
    )
    error.http_status = 429
    error.retry_after = retry_after
    return error


# How long a client is asked to wait when a service the server needs (cache, database) is down.
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


def service_unavailable() -> MCPError:
    """A 503 refusal: a service this server needs did not answer; the client may retry."""
    error = MCPError(
        INTERNAL_ERROR,
        f"A service this server needs is unavailable; retry after {UNAVAILABLE_RETRY_AFTER_SECONDS} seconds.",
        {"retryAfter": UNAVAILABLE_RETRY_AFTER_SECONDS},
    )
    error.http_status = 503
    error.retry_after = UNAVAILABLE_RETRY_AFTER_SECONDS
    return error


@cache
def unavailable_errors() -> tuple[type[BaseException], ...]:
    """What a cache or database that cannot be reached raises: answered with 503, not 500.

    Redis and django-redis are optional for the engine, so their errors join only when installed."""
    from django.db import InterfaceError, OperationalError

    found: list[type[BaseException]] = [ConnectionError, TimeoutError, OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        found += [RedisConnectionError, RedisTimeoutError]
    except ImportError:
        pass
    try:
        from django_redis.exceptions import ConnectionInterrupted  # type: ignore[import-untyped]

        found.append(ConnectionInterrupted)
    except ImportError:
        pass
    return tuple(found)


class ToolError(Exception):
    """A business failure inside a tool: returned to the model as an ``isError`` result.

    The message is written for the model: say what went wrong and what to do next.
    """
