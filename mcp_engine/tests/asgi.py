"""An in-process HTTP client for the MCP consumers, over Channels' ``ApplicationCommunicator``.

Requests go straight into the ASGI application, as an ASGI server would hand them over; nothing
listens on a socket. Every wait is bounded by ``WAIT`` seconds, and nothing sleeps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from channels.routing import URLRouter
from channels.testing import ApplicationCommunicator
from prometheus_client.metrics import MetricWrapperBase

from mcp_engine import transports
from mcp_engine.server import MCPServer

WAIT = 5.0
HOST = "127.0.0.1:8000"
ACCEPT_BOTH = "application/json, text/event-stream"
MODERN = "2026-07-28"
HANDSHAKE = "2025-11-25"

# A list of pairs when a header must appear twice.
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass
class Event:
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def parse_frames(raw: bytes) -> list[Event | str]:
    """SSE frames: an ``Event`` for each event, the text of each comment (keep-alives)."""
    frames: list[Event | str] = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        if block.startswith(":"):
            frames.append(block[1:].strip())
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        frames.append(Event(fields.get("event", "message"), fields.get("data", "")))
    return frames


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def events(self) -> list[Event]:
        return [frame for frame in parse_frames(self.body) if isinstance(frame, Event)]


@dataclass
class Stream:
    """A response still being written: its status and headers, then its frames as they come."""

    communicator: ApplicationCommunicator
    status: int
    headers: dict[str, str]
    _pending: list[Event | str] = field(default_factory=list)

    async def next_frame(self) -> Event | str:
        while not self._pending:
            message = await self.communicator.receive_output(WAIT)
            assert message["type"] == "http.response.body", message
            self._pending.extend(parse_frames(message.get("body", b"")))
            if not message.get("more_body") and not self._pending:
                raise EOFError("the stream ended")
        return self._pending.pop(0)

    async def next_event(self) -> Event:
        """The next event, past any keep-alive comments."""
        while True:
            frame = await self.next_frame()
            if isinstance(frame, Event):
                return frame

    async def event_for(self, request_id: Any) -> dict[str, Any]:
        """Read events until the JSON-RPC message answering ``request_id``; return it."""
        while True:
            message = (await self.next_event()).json()
            if message.get("id") == request_id and "method" not in message:
                return dict(message)


class Client:
    """Mounts MCP servers at paths, as ``MCP_SERVERS`` would, and talks to them in process."""

    def __init__(self, servers: Mapping[str, MCPServer]) -> None:
        self.app = URLRouter(
            [route for path, server in servers.items() for route in transports.urlpatterns(path, server)]
        )

    @classmethod
    def routing(cls, routes: list[Any]) -> Client:
        """A client of ready-made URL patterns, such as ``mcp_engine.registry.urlpatterns()``."""
        client = cls({})
        client.app = URLRouter(routes)
        return client

    def _communicator(self, method: str, path: str, headers: Headers | None, address: str) -> ApplicationCommunicator:
        path, _, query = path.partition("?")
        raw_headers = [(b"host", HOST.encode())]
        pairs = headers.items() if isinstance(headers, Mapping) else headers or []
        for name, value in pairs:
            if name.lower() == "host":
                raw_headers = [item for item in raw_headers if item[0] != b"host"]
            raw_headers.append((name.lower().encode(), value.encode("latin-1")))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": raw_headers,
            "client": (address, 50000),
            "server": ("127.0.0.1", 8000),
        }
        return ApplicationCommunicator(self.app, scope)

    async def _start(
        self,
        method: str,
        path: str,
        body: bytes | list[bytes],
        headers: Headers | None,
        address: str,
    ) -> tuple[ApplicationCommunicator, int, dict[str, str]]:
        communicator = self._communicator(method, path, headers, address)
        chunks = body if isinstance(body, list) else [body]
        for index, chunk in enumerate(chunks):
            await communicator.send_input({"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1})
        start = await communicator.receive_output(WAIT)
        assert start["type"] == "http.response.start", start
        response_headers = {name.decode().lower(): value.decode() for name, value in start.get("headers", [])}
        return communicator, start["status"], response_headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | list[bytes] = b"",
        json_body: Any = None,
        headers: Headers | None = None,
        address: str = "127.0.0.1",
    ) -> Response:
        """One complete exchange; ``body`` as a list arrives in that many chunks."""
        if json_body is not None:
            body = json.dumps(json_body).encode()
        communicator, status, response_headers = await self._start(method, path, body, headers, address)
        content = b""
        while True:
            message = await communicator.receive_output(WAIT)
            assert message["type"] == "http.response.body", message
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(WAIT)
        return Response(status, response_headers, content)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Headers | None = None,
        address: str = "127.0.0.1",
    ) -> AsyncIterator[Stream]:
        """An exchange whose response is read frame by frame; leaving the block disconnects the
        client and fails unless the application then finishes within ``WAIT`` seconds."""
        body = json.dumps(json_body).encode() if json_body is not None else b""
        communicator, status, response_headers = await self._start(method, path, body, headers, address)
        stream = Stream(communicator, status, response_headers)
        try:
            yield stream
        finally:
            await communicator.send_input({"type": "http.disconnect"})
            await communicator.wait(WAIT)


def rpc(method: str, params: dict[str, Any] | None = None, *, id: int | str | None = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
    if id is not None:
        message["id"] = id
    return message


def envelope(version: str = MODERN, capabilities: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": capabilities or {},
        **extra,
    }


def modern_params(params: dict[str, Any] | None) -> dict[str, Any]:
    params = dict(params or {})
    params.setdefault("_meta", envelope())
    return params


def modern_headers(
    method: str, params: dict[str, Any] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": ACCEPT_BOTH, "MCP-Protocol-Version": MODERN}
    headers["Mcp-Method"] = method
    name = (params or {}).get("uri" if method == "resources/read" else "name")
    if method in ("tools/call", "prompts/get", "resources/read") and isinstance(name, str):
        headers["Mcp-Name"] = name
    headers.update(extra or {})
    return headers


def session_headers(session_id: str | None, version: str = HANDSHAKE) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": ACCEPT_BOTH, "MCP-Protocol-Version": version}
    if session_id:
        headers["Mcp-Session-Id"] = session_id
    return headers


def sample(metric: MetricWrapperBase, name: str, **labels: str) -> float:
    """One sample of one of the engine's metrics in this process (0 when it has none yet)."""
    for family in metric.collect():
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def unique_address() -> str:
    """A client address no other test or run shares, so rate-limit counts never carry over."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


INITIALIZE = {"protocolVersion": HANDSHAKE, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
