"""2024-11-05 HTTP+SSE: ``GET /<path>`` opens a stream whose first event names
``/<path>/messages?sessionId=…``; POSTs there are accepted with 202 and answered on the stream.

The stream may be open on another server process: answers travel through the channel layer."""

from __future__ import annotations

from urllib.parse import parse_qs

from mcp_engine import sessions
from mcp_engine.errors import MCPError
from mcp_engine.observability import stream_open
from mcp_engine.protocol import Message, answer, classify, error_response, handshake, modern_envelope, result_response
from mcp_engine.transports.base import EVENT_STREAM, BaseMCPConsumer, Reply, listening, spawn


class SSETransport(BaseMCPConsumer):
    async def sse_stream(self) -> None:
        if not self.accepts(EVENT_STREAM):
            await self.refuse(406, "Accept must include text/event-stream.")
            return
        with self.stream_slot() as admitted:
            if not admitted:
                await self.refuse_stream()
                return
            session = await sessions.start(self.server.name, sessions.SSE)
            groups = [sessions.group_for_session(session.id), sessions.group_for_server(self.server.name)]
            endpoint = f"{self.scope['path'].rstrip('/')}/messages?sessionId={session.id}"
            try:
                async with listening(groups) as channel:
                    with stream_open(self.server.name, "sse"):
                        await self.open_stream()
                        await self.send_event(endpoint, event="endpoint")
                        await self.relay(channel)
            finally:
                await sessions.end(session.id)


class SSEMessageConsumer(BaseMCPConsumer):
    """POST ``/<path>/messages?sessionId=…``: accept with 202, answer on the session's SSE stream."""

    async def handle(self, body: bytes) -> None:
        if self.scope["method"] != "POST":
            await self.send_empty(405, [(b"allow", b"POST")])
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        session_id = (query.get("sessionId") or query.get("session_id") or [""])[0]
        if not session_id:
            await self.refuse(400, "sessionId is required.")
            return
        session = await sessions.find(session_id, self.server.name)
        if session is None or session.transport != sessions.SSE:
            await self.refuse(404, "Could not find session: open a new SSE stream.")
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
            agreed = handshake(message)
            for name, value in agreed.items():
                setattr(session, name, value)
            await session.save()
            response = result_response(message.id, self.server.initialize_result(agreed["protocol_version"]))
        else:
            response, _ = await self.session_request(session, message, reply)
        await reply.finish(response, None, modern=False)
