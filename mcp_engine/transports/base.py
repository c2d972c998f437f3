"""What every MCP transport shares: ASGI plumbing, the DNS-rebinding and rate-limit checks, the
body limit, JSON and SSE framing, channel-layer streams, and how one request's messages reach
its client (``Reply``).

A request is handled in a task so that ``http.disconnect`` can cancel it: closing a stream is how
clients cancel, and a stream must not outlive its client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from mcp_engine import auth, sessions
from mcp_engine.conf import mcp_settings
from mcp_engine.context import Context
from mcp_engine.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    REQUEST_TIMEOUT,
    MCPError,
    http_status_for,
    rate_limited,
    refusal_headers,
    service_unavailable,
    unavailable_errors,
)
from mcp_engine.observability import RATE_LIMITED, request_id
from mcp_engine.protocol import ASSUMED_LEGACY_VERSION, Envelope, Message, answer, dumps, error_response
from mcp_engine.ratelimit import limit_for
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
KEEP_ALIVE = b": keep-alive\n\n"
# CORS for browser-based hosts on an allowed origin. No credentials: a browser client sends its
# token in Authorization itself, and cookies never authenticate an MCP request.
CORS_ALLOW_METHODS = b"GET, POST, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = (
    b"Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID"
)
CORS_EXPOSE_HEADERS = b"Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After, X-Request-Id"
CORS_MAX_AGE_SECONDS = b"600"
REPLY_PREFIX = "mcp-reply:"
ASK_TIMEOUT_SECONDS = 120
STREAM_RETRY_AFTER_SECONDS = 10
# Channel-layer events: a message for a session's streams, and a list change for listen streams.
SESSION_MESSAGE = "mcp.message"
LIST_CHANGED = "mcp.list_changed"
LIST_CHANGED_METHODS = {
    "toolsListChanged": "notifications/tools/list_changed",
    "promptsListChanged": "notifications/prompts/list_changed",
    "resourcesListChanged": "notifications/resources/list_changed",
}

Headers = list[tuple[bytes, bytes]]

# Work that outlives the HTTP exchange that started it (2024-11-05 POSTs answer 202 first).
_background: set[asyncio.Task[Any]] = set()
# Long-lived streams open on this process, per client address (MCP_MAX_STREAMS_PER_ADDRESS).
_streams_by_address: Counter[str] = Counter()


def spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


class BaseMCPConsumer(AsyncHttpConsumer):
    # No channel per request: only streams need one, and they ask the layer themselves.
    channel_layer_alias = "mcp-consumers-have-no-default-layer"

    def __init__(self, server: MCPServer, mount: str = "") -> None:
        super().__init__()
        self.server = server
        # The path the server is mounted at: the endpoint's resource URL is built from it.
        self.mount = mount
        self.principal: auth.Principal | None = None
        self.size = 0
        self.task: asyncio.Task[None] | None = None
        self.headers: dict[str, list[str]] = {}
        self.trace_id = ""
        self.body_deadline: asyncio.TimerHandle | None = None
        # Filled once the request passed the Origin check, so refusals never carry CORS headers.
        self.cors: Headers = []

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
        limit = mcp_settings.MCP_MAX_BODY_BYTES
        if self.size <= limit:
            self.body.append(chunk)
        if message.get("more_body") and self.body_deadline is None and self.task is None:
            # A body trickling in must not hold the request (and its memory) open indefinitely.
            loop = asyncio.get_running_loop()
            self.body_deadline = loop.call_later(mcp_settings.MCP_BODY_TIMEOUT_SECONDS, self.body_too_slow)
        if message.get("more_body") or self.task is not None:
            return
        if self.body_deadline is not None:
            self.body_deadline.cancel()
        if self.size > limit:
            error = MCPError(INVALID_REQUEST, f"Request body too large: the limit is {limit} bytes.")
            self.task = asyncio.ensure_future(self.send_json(413, error_response(None, error)))
            return
        self.task = asyncio.ensure_future(self.guarded(b"".join(self.body)))

    def body_too_slow(self) -> None:
        if self.task is None:
            seconds = mcp_settings.MCP_BODY_TIMEOUT_SECONDS
            error = MCPError(INVALID_REQUEST, f"Request body too slow: it must arrive within {seconds:g} seconds.")
            self.task = asyncio.ensure_future(self.send_json(408, error_response(None, error)))

    async def http_disconnect(self, message: dict[str, Any]) -> None:
        if self.body_deadline is not None:
            self.body_deadline.cancel()
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        raise StopConsumer()

    async def guarded(self, body: bytes) -> None:
        refusal = self.refusal()
        if refusal is not None:
            await self.refuse(*refusal)
            return
        self.cors = self.cors_headers()
        if self.scope["method"] == "OPTIONS":
            # A CORS preflight from an origin the check above let through; not rate-limited,
            # since a browser sends one before many of its requests on its own.
            await self.send_empty(204, self.preflight_headers())
            return
        # Everything from here may touch the cache or the database; whatever fails, the client gets
        # an answer (503 when a service is down), never a request left hanging.
        try:
            limit = limit_for(mcp_settings.MCP_RATE_LIMIT_PER_ADDRESS)
            if limit is not None:
                wait = await limit.hit(f"mcp-address:{self.client_address()}")
                if wait:
                    RATE_LIMITED.labels(self.server.name, "address").inc()
                    await self.send_error(None, rate_limited(wait, "from this client address"), modern=True)
                    return
            refused = await self.authenticate()
            if refused is not None:
                await self.send_error(None, refused, modern=True)
                return
            await self.handle(body)
        except asyncio.CancelledError:
            raise
        except unavailable_errors() as exc:
            logger.error(
                "MCP request on %s failed: a service it needs is unreachable (%s: %s)",
                self.scope.get("path"),
                type(exc).__name__,
                exc,
                extra={"request_id": self.trace_id},
            )
            with contextlib.suppress(Exception):
                await self.send_error(None, service_unavailable(), modern=True)
        except Exception:
            logger.exception("MCP transport failure on %s", self.scope.get("path"))
            with contextlib.suppress(Exception):
                await self.send_json(500, error_response(None, MCPError(INTERNAL_ERROR, "Internal error.")))

    async def authenticate(self) -> MCPError | None:
        """Check the request's bearer token, if any, on every request; the 401 to send, if one is due.

        A token that is sent must be valid for this very endpoint, in every mode but ``widget``, so a
        client with an expired or revoked token learns to refresh it or sign in again.
        """
        if not auth.tokens_accepted():
            return None
        token = auth.bearer_token(self.headers)
        if token is not None:
            self.principal = await auth.verify(token, self.mount) if token else None
            if self.principal is None:
                description = "The access token is invalid, expired, revoked or for another resource."
                value = auth.challenge(self.mount, auth.server_scopes(self.server), auth.INVALID_TOKEN, description)
                return auth.refusal(401, description, value)
            return None
        if auth.guards_endpoint(self.server):
            value = auth.challenge(self.mount, auth.server_scopes(self.server))
            return auth.refusal(401, "This endpoint needs an OAuth access token: sign in to link the account.", value)
        return None

    def refusal(self) -> tuple[int, str] | None:
        """DNS-rebinding defence: a Host we serve, and an Origin we trust (or none at all)."""
        host = self.header("host") or ""
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return 421, f"Host {host!r} is not served here."
        origin = self.header("origin")
        if origin is not None and origin.rstrip("/") not in mcp_settings.MCP_ALLOWED_ORIGINS:
            scheme = "https" if self.scope.get("scheme") == "https" else "http"
            if origin != f"{scheme}://{host}":
                return 403, f"Origin {origin!r} is not allowed to use this MCP server."
        return None

    @contextlib.contextmanager
    def stream_slot(self) -> Iterator[bool]:
        """Whether this client address may open another long-lived stream; holds the slot while open."""
        address = self.client_address()
        cap = mcp_settings.MCP_MAX_STREAMS_PER_ADDRESS
        if cap and _streams_by_address[address] >= cap:
            yield False
            return
        _streams_by_address[address] += 1
        try:
            yield True
        finally:
            _streams_by_address[address] -= 1
            if _streams_by_address[address] <= 0:
                del _streams_by_address[address]

    async def refuse_stream(self) -> None:
        cap = mcp_settings.MCP_MAX_STREAMS_PER_ADDRESS
        error = MCPError(
            INVALID_REQUEST, f"Too many open streams from this client address (at most {cap}); close one first."
        )
        error.http_status = 429
        error.retry_after = STREAM_RETRY_AFTER_SECONDS
        await self.send_error(None, error, modern=True)

    def cors_headers(self) -> Headers:
        """Let a page on an allowed origin read the answer; called once ``refusal`` passed."""
        origin = self.header("origin")
        if origin is None:
            return []
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", CORS_EXPOSE_HEADERS),
            (b"vary", b"Origin"),
        ]

    def preflight_headers(self) -> Headers:
        return [
            (b"access-control-allow-methods", CORS_ALLOW_METHODS),
            (b"access-control-allow-headers", CORS_ALLOW_HEADERS),
            (b"access-control-max-age", CORS_MAX_AGE_SECONDS),
        ]

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None

    def client_address(self) -> str:
        forwarded = self.header("x-forwarded-for") if mcp_settings.MCP_TRUST_X_FORWARDED_FOR else None
        if forwarded:
            # The proxy we trust appends the address it saw: the last entry is the one to believe.
            return forwarded.split(",")[-1].strip()
        client = self.scope.get("client") or ("unknown", 0)
        return str(client[0])

    def accepts(self, media_type: bytes) -> bool:
        accept = (self.header("accept") or "*/*").encode()
        return media_type in accept or b"*/*" in accept

    def context(self, **fields: Any) -> Context:
        return Context(server=self.server, trace_id=self.trace_id, mount=self.mount, principal=self.principal, **fields)

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

    # -- writing -----------------------------------------------------------------------------

    async def send_headers(self, *, status: int = 200, headers: Any = None) -> None:
        await super().send_headers(
            status=status, headers=[*(headers or []), *self.cors, (b"x-request-id", self.trace_id.encode())]
        )

    async def send_json(self, status: int, payload: Any, headers: Headers | None = None) -> None:
        await self.send_response(status, dumps(payload).encode(), headers=[(b"content-type", JSON), *(headers or [])])

    async def send_empty(self, status: int, headers: Headers | None = None) -> None:
        await self.send_response(status, b"", headers=headers or [])

    async def refuse(self, status: int, text: str) -> None:
        """A transport-level refusal: no request id to echo, always INVALID_REQUEST."""
        await self.send_json(status, error_response(None, MCPError(INVALID_REQUEST, text)))

    async def send_error(self, message_id: Any, error: MCPError, *, modern: bool) -> None:
        await self.send_json(
            http_status_for(error, modern=modern), error_response(message_id, error), refusal_headers(error)
        )

    async def open_stream(self, headers: Headers | None = None) -> None:
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
                done, _ = await asyncio.wait({pending}, timeout=mcp_settings.MCP_SSE_KEEPALIVE_SECONDS)
                if not done:
                    await self.send_body(KEEP_ALIVE, more_body=True)
                    continue
                data = pick(pending.result())
                pending = asyncio.ensure_future(layer.receive(channel))
                if data is not None:
                    await self.send_event(data)
        finally:
            pending.cancel()

    # -- handshake-era sessions (Streamable HTTP and HTTP+SSE) ----------------------------------

    async def session_request(
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
            await self.consumer.send_json(status, response, refusal_headers(error) if error else [])
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
            raise MCPError(REQUEST_TIMEOUT, f"The client did not answer {method} in time.") from None
        message = reply["message"]
        if "error" in message:
            error = message["error"] if isinstance(message["error"], dict) else {}
            raise MCPError(int(error.get("code", INTERNAL_ERROR)), str(error.get("message", "The client refused.")))
        result = message.get("result")
        return result if isinstance(result, dict) else {}

    async def _to_session(self, payload: dict[str, Any]) -> None:
        assert self.session_id is not None
        group = sessions.group_for_session(self.session_id)
        await get_channel_layer().group_send(group, {"type": SESSION_MESSAGE, "data": dumps(payload)})


@contextlib.asynccontextmanager
async def listening(groups: Iterable[str]) -> AsyncIterator[str]:
    """A new channel in these channel-layer groups for as long as a stream stays open."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    joined = list(groups)
    for group in joined:
        await layer.group_add(group, channel)
    try:
        yield channel
    finally:
        for group in joined:
            await layer.group_discard(group, channel)


async def broadcast_list_changed(server: MCPServer, kind: str) -> None:
    """Tell every open stream of this server that one of its lists changed (``toolsListChanged``…)."""
    server.changed()
    method = LIST_CHANGED_METHODS[kind]
    layer = get_channel_layer()
    group = sessions.group_for_server(server.name)
    await layer.group_send(group, {"type": LIST_CHANGED, "kind": kind, "method": method})
    await layer.group_send(group, {"type": SESSION_MESSAGE, "data": dumps({"jsonrpc": "2.0", "method": method})})


def _session_message(event: dict[str, Any]) -> str | None:
    return event["data"] if event.get("type") == SESSION_MESSAGE else None


def _headers(scope: dict[str, Any]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return headers
