"""JSON-RPC framing and the two protocol eras, independent of any transport.

``classify`` turns bytes into a ``Message``; ``modern_envelope`` checks a 2026-07-28 request's
``_meta`` against its HTTP headers; ``answer`` runs one request against a server and returns the
JSON-RPC response, with the era's decorations (``resultType``, cache hints, serverInfo).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from mcp_types import (
    CLIENT_CAPABILITIES_META_KEY,
    CLIENT_INFO_META_KEY,
    LOG_LEVEL_META_KEY,
    PROTOCOL_VERSION_META_KEY,
    SERVER_INFO_META_KEY,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION, MODERN_PROTOCOL_VERSIONS

from mcp_engine.context import LOG_LEVELS, Context
from mcp_engine.errors import (
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    MCPError,
    service_unavailable,
    unavailable_errors,
)
from mcp_engine.observability import REQUESTS
from mcp_engine.server import CACHEABLE_METHODS, KNOWN_METHODS, MCPServer

logger = logging.getLogger("mcp_engine")

# A handshake-era request without MCP-Protocol-Version is 2025-03-26 (spec, 2025-06-18 onwards).
ASSUMED_LEGACY_VERSION = "2025-03-26"
NAME_BEARING = {"tools/call": "name", "resources/read": "uri", "prompts/get": "name"}
BASE64_PREFIX, BASE64_SUFFIX = "=?base64?", "?="

dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(slots=True)
class Message:
    raw: dict[str, Any]
    id: str | int | None
    method: str | None
    params: dict[str, Any]

    @property
    def is_request(self) -> bool:
        return self.method is not None and "id" in self.raw

    @property
    def is_notification(self) -> bool:
        return self.method is not None and "id" not in self.raw

    @property
    def is_response(self) -> bool:
        return self.method is None

    @property
    def meta(self) -> dict[str, Any] | None:
        meta = self.params.get("_meta")
        return meta if isinstance(meta, dict) else None

    @property
    def has_modern_envelope(self) -> bool:
        meta = self.meta
        return meta is not None and PROTOCOL_VERSION_META_KEY in meta


def classify(body: bytes) -> Message:
    """Decode one JSON-RPC message; raises a PARSE_ERROR or INVALID_REQUEST MCPError with a reason."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MCPError(PARSE_ERROR, "Parse error: the body is not valid JSON.") from None
    if isinstance(raw, list):
        raise MCPError(
            INVALID_REQUEST, "Invalid request: JSON-RPC batches are not supported; send one message per POST."
        )
    if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
        raise MCPError(INVALID_REQUEST, 'Invalid request: expected a JSON-RPC 2.0 object with "jsonrpc": "2.0".')
    message_id = raw.get("id")
    if "id" in raw and (isinstance(message_id, bool) or not isinstance(message_id, str | int)):
        raise MCPError(INVALID_REQUEST, "Invalid request: id must be a string or an integer.")
    method = raw.get("method")
    params = raw.get("params", {})
    if method is None:
        if "id" not in raw or ("result" not in raw and "error" not in raw):
            raise MCPError(
                INVALID_REQUEST, "Invalid request: a message needs a method, or an id with a result or error."
            )
        return Message(raw, message_id, None, {})
    if not isinstance(method, str) or not method:
        raise MCPError(INVALID_REQUEST, "Invalid request: method must be a non-empty string.")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise MCPError(INVALID_REQUEST, "Invalid request: params must be an object.")
    return Message(raw, message_id, method, params)


def decode_header_value(value: str) -> str:
    """Header values arrive trimmed; non-ASCII ones as ``=?base64?...?=`` (2026-07-28)."""
    value = value.strip()
    if value.startswith(BASE64_PREFIX) and value.endswith(BASE64_SUFFIX):
        encoded = value[len(BASE64_PREFIX) : -len(BASE64_SUFFIX)]
        try:
            return base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise MCPError(HEADER_MISMATCH, "Header value has an invalid base64 encoding.") from None
    return value


@dataclass(slots=True)
class Envelope:
    protocol_version: str
    client_capabilities: dict[str, Any]
    client_info: dict[str, Any] | None
    log_level: str | None
    progress_token: str | int | None


def modern_envelope(message: Message, headers: Mapping[str, list[str]] | None, server: MCPServer) -> Envelope:
    """Validate a 2026-07-28 request's ``_meta`` and, over HTTP, its mirrored headers.

    The order follows the official SDK so clients see the same error for the same mistake.
    """
    meta = message.meta
    if meta is None or PROTOCOL_VERSION_META_KEY not in meta or CLIENT_CAPABILITIES_META_KEY not in meta:
        raise MCPError(
            INVALID_PARAMS,
            f"params._meta must carry {PROTOCOL_VERSION_META_KEY} and {CLIENT_CAPABILITIES_META_KEY}.",
        )
    version = meta[PROTOCOL_VERSION_META_KEY]
    if headers is not None:
        _check_headers(message, headers, version, server)
    if not isinstance(version, str):
        raise MCPError(INVALID_PARAMS, f"{PROTOCOL_VERSION_META_KEY} must be a string.")
    if version not in MODERN_PROTOCOL_VERSIONS:
        raise MCPError(
            UNSUPPORTED_PROTOCOL_VERSION,
            f"Unsupported protocol version: {version}.",
            # The same list as server/discover; handshake-era clients find us through initialize.
            {"supported": list(MODERN_PROTOCOL_VERSIONS), "requested": version},
        )
    capabilities = meta[CLIENT_CAPABILITIES_META_KEY]
    if not isinstance(capabilities, dict):
        raise MCPError(INVALID_PARAMS, f"{CLIENT_CAPABILITIES_META_KEY} must be an object.")
    log_level = meta.get(LOG_LEVEL_META_KEY)
    if log_level is not None and log_level not in LOG_LEVELS:
        raise MCPError(INVALID_PARAMS, f"{LOG_LEVEL_META_KEY} must be one of {', '.join(LOG_LEVELS)}.")
    client_info = meta.get(CLIENT_INFO_META_KEY)
    return Envelope(
        protocol_version=version,
        client_capabilities=capabilities,
        client_info=client_info if isinstance(client_info, dict) else None,
        log_level=log_level,
        progress_token=meta.get("progressToken"),
    )


def _single(headers: Mapping[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise MCPError(HEADER_MISMATCH, f"Header {name} appears more than once.")
    return decode_header_value(values[0])


def _check_headers(message: Message, headers: Mapping[str, list[str]], version: Any, server: MCPServer) -> None:
    header_version = _single(headers, "mcp-protocol-version")
    if header_version is None:
        raise MCPError(HEADER_MISMATCH, "The MCP-Protocol-Version header is required.")
    if header_version != version:
        raise MCPError(
            HEADER_MISMATCH, f"MCP-Protocol-Version header {header_version!r} does not match _meta ({version!r})."
        )
    method = _single(headers, "mcp-method")
    if method is None:
        raise MCPError(HEADER_MISMATCH, "The Mcp-Method header is required.")
    if method != message.method:
        raise MCPError(
            HEADER_MISMATCH, f"Mcp-Method header {method!r} does not match the body method {message.method!r}."
        )
    name_field = NAME_BEARING.get(message.method or "")
    if name_field is not None:
        name = _single(headers, "mcp-name")
        if name is None:
            raise MCPError(HEADER_MISMATCH, f"The Mcp-Name header is required for {message.method}.")
        if name != message.params.get(name_field):
            raise MCPError(HEADER_MISMATCH, f"Mcp-Name header does not match params.{name_field}.")
    if message.method == "tools/call":
        _check_param_headers(message, headers, server)


def _check_param_headers(message: Message, headers: Mapping[str, list[str]], server: MCPServer) -> None:
    tool = server.tools.get(message.params.get("name"))  # type: ignore[arg-type]
    if tool is None:
        return
    arguments = message.params.get("arguments") or {}
    for prop, schema in tool.input_schema.get("properties", {}).items():
        header_name = schema.get("x-mcp-header") if isinstance(schema, dict) else None
        if not header_name:
            continue
        header = _single(headers, f"mcp-param-{header_name.lower()}")
        present = isinstance(arguments, dict) and prop in arguments and arguments[prop] is not None
        if header is None and not present:
            continue
        if header is None or not present:
            raise MCPError(HEADER_MISMATCH, f"Mcp-Param-{header_name} header and arguments.{prop} must both be sent.")
        if not _same_value(header, arguments[prop]):
            raise MCPError(HEADER_MISMATCH, f"Mcp-Param-{header_name} header does not match arguments.{prop}.")


def _same_value(header: str, value: Any) -> bool:
    if isinstance(value, bool):
        return header == ("true" if value else "false")
    if isinstance(value, int | float):
        try:
            return float(header) == float(value)
        except ValueError:
            return False
    return header == str(value)


def negotiate_legacy_version(requested: Any) -> str:
    return requested if requested in HANDSHAKE_PROTOCOL_VERSIONS else LATEST_HANDSHAKE_VERSION


class Handshake(TypedDict):
    """The session fields ``handshake`` reads from an ``initialize`` request."""

    protocol_version: str
    client_capabilities: dict[str, Any]
    client_info: dict[str, Any]


# A session keeps its client's data for a day in the shared cache, and an unauthenticated client
# chooses it: only the parts the engine reads are kept, each bounded.
STORED_CAPABILITIES = 16
STORED_NAME_LENGTH = 64
STORED_CLIENT_INFO = ("name", "title", "version")
STORED_TEXT_LENGTH = 200


def _names(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    names = [name for name in value if isinstance(name, str) and len(name) <= STORED_NAME_LENGTH]
    return {name: {} for name in names[:STORED_CAPABILITIES]}


def stored_capabilities(capabilities: Any) -> dict[str, Any]:
    """The client's capability names and their sub-capability names (``elicitation.form``), no values:
    handlers ask whether a capability is there, never what it carries."""
    return {name: _names(capabilities[name]) for name in _names(capabilities)}


def stored_client_info(client_info: Any) -> dict[str, str]:
    if not isinstance(client_info, dict):
        return {}
    return {
        key: value[:STORED_TEXT_LENGTH] for key in STORED_CLIENT_INFO if isinstance(value := client_info.get(key), str)
    }


def handshake(message: Message) -> Handshake:
    """What an ``initialize`` request fixes for the rest of its session (bounded: see above)."""
    return {
        "protocol_version": negotiate_legacy_version(message.params.get("protocolVersion")),
        "client_capabilities": stored_capabilities(message.params.get("capabilities")),
        "client_info": stored_client_info(message.params.get("clientInfo")),
    }


def error_response(message_id: Any, error: MCPError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "error": error.to_dict()}


def result_response(message_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "result": result}


async def answer(server: MCPServer, message: Message, ctx: Context) -> tuple[dict[str, Any], MCPError | None]:
    """Run one request; returns the JSON-RPC response and the error it carries, if any."""
    method = message.method or ""
    REQUESTS.labels(
        server.name, method if method in KNOWN_METHODS else "other", "modern" if ctx.modern else "legacy"
    ).inc()
    try:
        result = await server.handle(method, message.params, ctx)
    except MCPError as exc:
        return error_response(message.id, exc), exc
    except unavailable_errors() as exc:
        logger.error(
            "MCP %s on %s failed: a service it needs is unreachable (%s: %s)",
            method,
            server.name,
            type(exc).__name__,
            exc,
            extra={"request_id": ctx.trace_id, "server": server.name},
        )
        error = service_unavailable()
        return error_response(message.id, error), error
    except Exception:
        logger.exception(
            "MCP %s failed on %s", method, server.name, extra={"request_id": ctx.trace_id, "server": server.name}
        )
        error = MCPError(INTERNAL_ERROR, f"Internal error; the server logged it as incident {ctx.trace_id}.")
        return error_response(message.id, error), error
    if ctx.modern:
        result = _modern_result(server, method, message, result)
    return result_response(message.id, result), None


def _modern_result(server: MCPServer, method: str, message: Message, result: dict[str, Any]) -> dict[str, Any]:
    decorated = dict(result)
    result_type = decorated.setdefault("resultType", "complete")
    meta = dict(decorated.get("_meta") or {})
    meta[SERVER_INFO_META_KEY] = {"name": server.name, "version": server.version}
    decorated["_meta"] = meta
    retry = "inputResponses" in message.params or "requestState" in message.params
    if method in CACHEABLE_METHODS and result_type == "complete" and not retry:
        decorated["ttlMs"] = server.list_ttl_ms if method != "resources/read" else _read_ttl(decorated)
        decorated["cacheScope"] = "public"
    return decorated


def _read_ttl(result: dict[str, Any]) -> int:
    # Widget URIs carry a content hash, so what they name never changes.
    contents = result.get("contents") or [{}]
    return 3_600_000 if str(contents[0].get("uri", "")).startswith("ui://") else 0
