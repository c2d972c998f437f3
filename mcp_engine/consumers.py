"""Channels consumers for the MCP endpoints. They only move bytes.

``MCPConsumer`` answers ``/mcpN``:
- POST with a 2026-07-28 envelope: stateless, one JSON or SSE answer per request;
- POST ``initialize`` / POST with ``Mcp-Session-Id``: 2025-era Streamable HTTP sessions;
- GET with ``Mcp-Session-Id``: that session's stream of server messages;
- GET without it: a 2024-11-05 HTTP+SSE stream, whose POSTs go to ``SSEMessageConsumer``.

A request is handled in a task so that ``http.disconnect`` can cancel it: closing a stream is how
clients cancel, and a stream must not outlive its client.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from mcp_engine import sessions
from mcp_engine.context import Context
from mcp_engine.errors import INVALID_REQUEST, MCPError, http_status_for, rate_limited
from mcp_engine.observability import RATE_LIMITED, request_id, stream_open
from mcp_engine.protocol import (
    ASSUMED_LEGACY_VERSION,
    Envelope,
    Message,
    answer,
    classify,
    dumps,
    error_response,
    modern_envelope,
    negotiate_legacy_version,
    result_response,
)
from mcp_engine.ratelimit import RateLimit
from mcp_engine.server import MCPServer

logger = logging.getLogger("mcp_engine")

JSON = b"application/json"
EVENT_STREAM = b"text/event-stream"
SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
SSE_HEADERS = [
    (b"content-type", EVENT_STREAM),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]
REPLY_PREFIX = "mcp-reply:"
ASK_TIMEOUT_SECONDS = 120

# Work that outlives the HTTP exchange that started it (2024-11-05 POSTs answer 202 first).
_background: set[asyncio.Task[Any]] = set()


def spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


class BaseMCPConsumer(AsyncHttpConsumer):
    # No channel per request: only streams need one, and they ask the layer themselves.
    channel_layer_alias = "mcp-consumers-have-no-default-layer"

    def __init__(self, server: MCPServer) -> None:
        super().__init__()
        self.server = server
        self.size = 0
        self.task: asyncio.Task[None] | None = None
        self.headers: dict[str, list[str]] = {}
        self.trace_id = ""

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message, which costs a thread
        # hop on requests that never touch the database. Tool calls of servers that use the
        # database do it themselves (MCPServer.uses_database).
        handler = self.http_request if message["type"] == "http.request" else self.http_disconnect
        await handler(message)

    async def http_request(self, message: dict[str, Any]) -> None:
        if not self.trace_id:
            self.headers = _headers(self.scope)
            self.trace_id = request_id(self.header("x-request-id"))
        chunk = message.get("body", b"")
        self.size += len(chunk)
        if self.size <= settings.MCP_MAX_BODY_BYTES:
            self.body.append(chunk)
        if message.get("more_body") or self.task is not None:
            return
        if self.size > settings.MCP_MAX_BODY_BYTES:
            limit = settings.MCP_MAX_BODY_BYTES
            error = MCPError(INVALID_REQUEST, f"Request body too large: the limit is {limit} bytes.")
            self.task = asyncio.ensure_future(self.send_json(413, error_response(None, error)))
            return
        self.task = asyncio.ensure_future(self.guarded(b"".join(self.body)))

    async def http_disconnect(self, message: dict[str, Any]) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        raise StopConsumer()

    async def guarded(self, body: bytes) -> None:
        refusal = self.refusal()
        if refusal is not None:
            status, text = refusal
            await self.send_json(status, error_response(None, MCPError(INVALID_REQUEST, text)))
            return
        limit = _address_limit()
        if limit is not None:
            wait = await limit.hit(f"mcp-address:{self.client_address()}")
            if wait:
                RATE_LIMITED.labels(self.server.name, "address").inc()
                await self.send_error(None, rate_limited(wait, "client address"), modern=True)
                return
        try:
            await self.handle(body)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("MCP transport failure on %s", self.scope.get("path"))
            with contextlib.suppress(Exception):
                await self.send_json(500, error_response(None, MCPError(-32603, "Internal error.")))

    def refusal(self) -> tuple[int, str] | None:
        """DNS-rebinding defence: a Host we serve, and an Origin we trust (or none at all)."""
        host = self.header("host") or ""
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return 421, f"Host {host!r} is not served here."
        origin = self.header("origin")
        if origin is not None and origin.rstrip("/") not in settings.MCP_ALLOWED_ORIGINS:
            scheme = "https" if self.scope.get("scheme") == "https" else "http"
            if origin != f"{scheme}://{host}":
                return 403, f"Origin {origin!r} is not allowed to use this MCP server."
        return None

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None

    def client_address(self) -> str:
        forwarded = self.header("x-forwarded-for") if settings.MCP_TRUST_X_FORWARDED_FOR else None
        if forwarded:
            # The proxy we trust appends the address it saw: the last entry is the one to believe.
            return forwarded.split(",")[-1].strip()
        client = self.scope.get("client") or ("unknown", 0)
        return str(client[0])

    async def send_headers(self, *, status: int = 200, headers: Any = None) -> None:
        await super().send_headers(status=status, headers=[*(headers or []), (b"x-request-id", self.trace_id.encode())])

    async def send_error(self, message_id: Any, error: MCPError, *, modern: bool) -> None:
        headers = [(b"retry-after", str(error.retry_after).encode())] if error.retry_after else []
        await self.send_json(http_status_for(error, modern=modern), error_response(message_id, error), headers)

    def context(self, **fields: Any) -> Context:
        return Context(server=self.server, trace_id=self.trace_id, **fields)

    def modern_context(self, message: Message, envelope: Envelope, reply: Reply) -> Context:
        """Everything a 2026-07-28 request says about its client travels in the request itself."""
        return self.context(
            modern=True,
            protocol_version=envelope.protocol_version,
            client_capabilities=envelope.client_capabilities,
            client_info=envelope.client_info,
            log_level=envelope.log_level,
            progress_token=envelope.progress_token,
            request_id=message.id,
            input_responses=message.params.get("inputResponses"),
            request_state=message.params.get("requestState"),
            emit=reply.emit,
        )

    def accepts(self, media_type: bytes) -> bool:
        accept = (self.header("accept") or "*/*").encode()
        return media_type in accept or b"*/*" in accept

    async def send_json(self, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await self.send_response(status, dumps(payload).encode(), headers=[(b"content-type", JSON), *(headers or [])])

    async def send_empty(self, status: int, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await self.send_response(status, b"", headers=headers or [])

    async def open_stream(self, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await self.send_headers(status=200, headers=[*SSE_HEADERS, *(headers or [])])
        await self.send_body(b"", more_body=True)

    async def send_event(self, data: str, event: str = "message") -> None:
        await self.send_body(f"event: {event}\ndata: {data}\n\n".encode(), more_body=True)

    async def relay(self, channel: str, pick: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        """Forward channel-layer messages to the open SSE stream until the client leaves.

        Runs until ``http.disconnect`` cancels it. Keep-alive comments stop proxies from closing
        an idle stream. The pending receive is never cancelled for a keep-alive: the Redis
        layer unsubscribes a channel whose receive is cancelled, and would drop what arrives next.
        """
        layer = get_channel_layer()
        pick = pick or _session_message
        pending = asyncio.ensure_future(layer.receive(channel))
        try:
            while True:
                done, _ = await asyncio.wait({pending}, timeout=settings.MCP_SSE_KEEPALIVE_SECONDS)
                if not done:
                    await self.send_body(b": keep-alive\n\n", more_body=True)
                    continue
                data = pick(pending.result())
                pending = asyncio.ensure_future(layer.receive(channel))
                if data is not None:
                    await self.send_event(data)
        finally:
            pending.cancel()

    # -- handshake-era sessions --------------------------------------------------------------

    async def legacy_request(
        self, session: sessions.LegacySession, message: Message, reply: Reply
    ) -> tuple[dict[str, Any], MCPError | None]:
        if message.method == "logging/setLevel" and isinstance(message.params.get("level"), str):
            session.log_level = message.params["level"]
        meta = message.meta or {}
        ctx = self.context(
            modern=False,
            protocol_version=session.protocol_version or ASSUMED_LEGACY_VERSION,
            client_capabilities=session.client_capabilities,
            client_info=session.client_info,
            log_level=session.log_level,
            progress_token=meta.get("progressToken"),
            request_id=message.id,
            session_id=session.id,
            emit=reply.emit,
            ask=reply.ask,
        )
        response, error = await answer(self.server, message, ctx)
        if message.method == "logging/setLevel" and error is None:
            await session.save()
        return response, error

    async def deliver_reply(self, message: Message) -> None:
        """A client's answer to one of our requests: wake the task waiting for it."""
        if isinstance(message.id, str) and message.id.startswith(REPLY_PREFIX):
            channel = message.id[len(REPLY_PREFIX) :]
            await get_channel_layer().send(channel, {"type": "mcp.reply", "message": message.raw})


class MCPConsumer(BaseMCPConsumer):
    async def handle(self, body: bytes) -> None:
        method = self.scope["method"]
        version = self.header(VERSION_HEADER)
        modern_header = version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS
        if method == "POST":
            await self.post(body, version)
        elif method in ("GET", "DELETE") and modern_header:
            await self.send_empty(405, [(b"allow", b"POST")])
        elif method == "GET":
            await (self.session_stream() if self.header(SESSION_HEADER) else self.sse_stream())
        elif method == "DELETE":
            await self.delete_session()
        else:
            await self.send_empty(405, [(b"allow", b"GET, POST, DELETE")])

    async def post(self, body: bytes, version: str | None) -> None:
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            error = MCPError(INVALID_REQUEST, "Content-Type must be application/json.")
            await self.send_json(415, error_response(None, error))
            return
        if not (self.accepts(JSON) or self.accepts(EVENT_STREAM)):
            error = MCPError(INVALID_REQUEST, "Accept must include application/json or text/event-stream.")
            await self.send_json(406, error_response(None, error))
            return
        try:
            message = classify(body)
        except MCPError as exc:
            await self.send_json(400, error_response(None, exc))
            return
        if (version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS) or message.has_modern_envelope:
            await self.modern(message)
        elif message.method == "initialize":
            await self.initialize(message)
        else:
            await self.legacy(message)

    # -- 2026-07-28 --------------------------------------------------------------------------

    async def modern(self, message: Message) -> None:
        if message.is_response:
            error = MCPError(INVALID_REQUEST, "2026-07-28 clients send requests only, never responses.")
            await self.send_json(400, error_response(message.id, error))
            return
        if message.is_notification:
            await self.send_empty(202)
            return
        try:
            envelope = modern_envelope(message, self.headers, self.server)
        except MCPError as exc:
            await self.send_error(message.id, exc, modern=True)
            return
        if message.method == "subscriptions/listen":
            await self.listen(message)
            return
        reply = Reply(self)
        response, error = await answer(self.server, message, self.modern_context(message, envelope, reply))
        await reply.finish(response, error, modern=True)

    async def listen(self, message: Message) -> None:
        """``subscriptions/listen``: acknowledge, then forward list changes until the client leaves."""
        wanted = message.params.get("notifications") or {}
        honoured = {
            key: True for key in ("toolsListChanged", "promptsListChanged", "resourcesListChanged") if wanted.get(key)
        }
        subscription = {"io.modelcontextprotocol/subscriptionId": message.id}
        ack = {
            "jsonrpc": "2.0",
            "method": "notifications/subscriptions/acknowledged",
            "params": {"notifications": honoured, "_meta": subscription},
        }
        layer = get_channel_layer()
        channel = await layer.new_channel()
        group = sessions.group_for_server(self.server.name)
        await layer.group_add(group, channel)
        try:
            with stream_open(self.server.name, "listen"):
                await self.open_stream()
                await self.send_event(dumps(ack))
                await self.relay(channel, lambda event: _list_change(event, honoured, subscription))
        finally:
            await layer.group_discard(group, channel)

    # -- 2025 Streamable HTTP ----------------------------------------------------------------

    async def initialize(self, message: Message) -> None:
        if not message.is_request:
            await self.send_json(400, error_response(None, MCPError(INVALID_REQUEST, "initialize must be a request.")))
            return
        session = await sessions.start(self.server.name, sessions.STREAMABLE, **handshake(message))
        response = result_response(message.id, self.server.initialize_result(session.protocol_version))
        await self.send_json(200, response, [(b"mcp-session-id", session.id.encode())])

    async def current_session(self) -> sessions.LegacySession | None:
        session_id = self.header(SESSION_HEADER)
        if not session_id:
            error = MCPError(INVALID_REQUEST, "Bad Request: Missing session ID; send initialize first.")
            await self.send_json(400, error_response(None, error))
            return None
        session = await sessions.find(session_id, self.server.name)
        if session is None or session.transport != sessions.STREAMABLE:
            error = MCPError(INVALID_REQUEST, "Session not found: it ended or never existed; send initialize again.")
            await self.send_json(404, error_response(None, error))
            return None
        return session

    async def legacy(self, message: Message) -> None:
        session = await self.current_session()
        if session is None:
            return
        if message.is_response:
            await self.deliver_reply(message)
            await self.send_empty(202)
            return
        if message.is_notification:
            await self.send_empty(202)
            return
        reply = Reply(self, session_id=session.id)
        response, error = await self.legacy_request(session, message, reply)
        await reply.finish(response, error, modern=False)

    async def session_stream(self) -> None:
        session = await self.current_session()
        if session is None:
            return
        if not self.accepts(EVENT_STREAM):
            await self.send_json(
                406, error_response(None, MCPError(INVALID_REQUEST, "Accept must include text/event-stream."))
            )
            return
        layer = get_channel_layer()
        channel = await layer.new_channel()
        groups = [sessions.group_for_session(session.id), sessions.group_for_server(self.server.name)]
        for group in groups:
            await layer.group_add(group, channel)
        try:
            with stream_open(self.server.name, "session"):
                await self.open_stream()
                await self.relay(channel)
        finally:
            for group in groups:
                await layer.group_discard(group, channel)

    async def delete_session(self) -> None:
        session = await self.current_session()
        if session is None:
            return
        await sessions.end(session.id)
        await self.send_empty(200)

    # -- 2024-11-05 HTTP+SSE -----------------------------------------------------------------

    async def sse_stream(self) -> None:
        if not self.accepts(EVENT_STREAM):
            await self.send_json(
                406, error_response(None, MCPError(INVALID_REQUEST, "Accept must include text/event-stream."))
            )
            return
        session = await sessions.start(self.server.name, sessions.SSE)
        layer = get_channel_layer()
        channel = await layer.new_channel()
        groups = [sessions.group_for_session(session.id), sessions.group_for_server(self.server.name)]
        for group in groups:
            await layer.group_add(group, channel)
        endpoint = f"{self.scope['path'].rstrip('/')}/messages?sessionId={session.id}"
        try:
            with stream_open(self.server.name, "sse"):
                await self.open_stream()
                await self.send_event(endpoint, event="endpoint")
                await self.relay(channel)
        finally:
            for group in groups:
                await layer.group_discard(group, channel)
            await sessions.end(session.id)


class SSEMessageConsumer(BaseMCPConsumer):
    """POST ``/mcpN/messages?sessionId=…``: accept with 202, answer on the session's SSE stream.

    The stream may be open on another server process; the channel layer carries the answer there.
    """

    async def handle(self, body: bytes) -> None:
        if self.scope["method"] != "POST":
            await self.send_empty(405, [(b"allow", b"POST")])
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        session_id = (query.get("sessionId") or query.get("session_id") or [""])[0]
        if not session_id:
            await self.send_json(400, error_response(None, MCPError(INVALID_REQUEST, "sessionId is required.")))
            return
        session = await sessions.find(session_id, self.server.name)
        if session is None or session.transport != sessions.SSE:
            error = MCPError(INVALID_REQUEST, "Could not find session: open a new SSE stream.")
            await self.send_json(404, error_response(None, error))
            return
        try:
            message = classify(body)
        except MCPError as exc:
            await self.send_json(400, error_response(None, exc))
            return
        await self.send_response(202, b"Accepted", headers=[(b"content-type", b"text/plain")])
        if message.is_response:
            await self.deliver_reply(message)
        elif message.is_request:
            spawn(self.process(session, message))

    async def process(self, session: sessions.LegacySession, message: Message) -> None:
        reply = Reply(self, session_id=session.id, via_session=True)
        if message.has_modern_envelope:
            # The 2026-07-28 SDK client probes with server/discover on any transport.
            try:
                envelope = modern_envelope(message, None, self.server)
            except MCPError as exc:
                await reply.finish(error_response(message.id, exc), exc, modern=True)
                return
            response, _ = await answer(self.server, message, self.modern_context(message, envelope, reply))
        elif message.method == "initialize":
            for name, value in handshake(message).items():
                setattr(session, name, value)
            await session.save()
            response = result_response(message.id, self.server.initialize_result(session.protocol_version))
        else:
            response, _ = await self.legacy_request(session, message, reply)
        await reply.finish(response, None, modern=False)


class Reply:
    """How one request's messages reach the client.

    Over Streamable HTTP the answer is plain JSON unless the handler emits notifications or asks
    the client something first; then the response becomes an SSE stream. For 2024-11-05 sessions
    everything travels on the session's SSE stream, through the channel layer.
    """

    def __init__(self, consumer: BaseMCPConsumer, *, session_id: str | None = None, via_session: bool = False) -> None:
        self.consumer = consumer
        self.session_id = session_id
        self.via_session = via_session
        self.streaming = False

    async def emit(self, payload: dict[str, Any]) -> None:
        if self.via_session:
            await self._to_session(payload)
            return
        if not self.consumer.accepts(EVENT_STREAM):
            return  # a JSON-only client gets the final answer without the notifications
        if not self.streaming:
            self.streaming = True
            await self.consumer.open_stream()
        await self.consumer.send_event(dumps(payload))

    async def finish(self, response: dict[str, Any], error: MCPError | None, *, modern: bool) -> None:
        if self.via_session:
            await self._to_session(response)
        elif self.streaming:
            await self.consumer.send_event(dumps(response))
            await self.consumer.send_body(b"")
        elif self.consumer.accepts(JSON):
            status = http_status_for(error, modern=modern) if error else 200
            headers = [(b"retry-after", str(error.retry_after).encode())] if error and error.retry_after else []
            await self.consumer.send_json(status, response, headers)
        else:
            await self.consumer.open_stream()
            await self.consumer.send_event(dumps(response))
            await self.consumer.send_body(b"")

    async def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a request to the client and wait for the POST that answers it."""
        if self.session_id is None:
            raise MCPError(INVALID_REQUEST, f"{method} needs a session.")
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await self.emit({"jsonrpc": "2.0", "id": f"{REPLY_PREFIX}{channel}", "method": method, "params": params})
        try:
            reply = await asyncio.wait_for(layer.receive(channel), ASK_TIMEOUT_SECONDS)
        except TimeoutError:
            raise MCPError(-32001, f"The client did not answer {method} in time.") from None
        message = reply["message"]
        if "error" in message:
            error = message["error"] if isinstance(message["error"], dict) else {}
            raise MCPError(int(error.get("code", -32603)), str(error.get("message", "The client refused.")))
        result = message.get("result")
        return result if isinstance(result, dict) else {}

    async def _to_session(self, payload: dict[str, Any]) -> None:
        assert self.session_id is not None
        group = sessions.group_for_session(self.session_id)
        await get_channel_layer().group_send(group, {"type": "mcp.message", "data": dumps(payload)})


def handshake(message: Message) -> dict[str, Any]:
    """What an ``initialize`` request fixes for the rest of its session."""
    capabilities = message.params.get("capabilities")
    client_info = message.params.get("clientInfo")
    return {
        "protocol_version": negotiate_legacy_version(message.params.get("protocolVersion")),
        "client_capabilities": capabilities if isinstance(capabilities, dict) else {},
        "client_info": client_info if isinstance(client_info, dict) else {},
    }


def _session_message(event: dict[str, Any]) -> str | None:
    return event["data"] if event.get("type") == "mcp.message" else None


def _list_change(event: dict[str, Any], honoured: dict[str, bool], subscription: dict[str, Any]) -> str | None:
    if event.get("type") != "mcp.list_changed" or not honoured.get(event["kind"]):
        return None
    return dumps({"jsonrpc": "2.0", "method": event["method"], "params": {"_meta": subscription}})


@functools.cache
def _address_limit() -> RateLimit | None:
    return RateLimit.parse(settings.MCP_RATE_LIMIT_PER_ADDRESS)


def _headers(scope: dict[str, Any]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return headers


async def broadcast_list_changed(server: MCPServer, kind: str) -> None:
    """Tell every open stream of this server that one of its lists changed."""
    server.changed()
    method = {
        "toolsListChanged": "notifications/tools/list_changed",
        "promptsListChanged": "notifications/prompts/list_changed",
        "resourcesListChanged": "notifications/resources/list_changed",
    }[kind]
    layer = get_channel_layer()
    group = sessions.group_for_server(server.name)
    await layer.group_send(group, {"type": "mcp.list_changed", "kind": kind, "method": method})
    await layer.group_send(group, {"type": "mcp.message", "data": dumps({"jsonrpc": "2.0", "method": method})})
