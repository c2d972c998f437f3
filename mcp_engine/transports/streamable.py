"""2025-03-26 … 2025-11-25 Streamable HTTP: ``initialize`` starts a session named by the
``Mcp-Session-Id`` header; POSTs in it, a GET stream of its server messages, DELETE to end it.

Sessions live in the Django cache, so any process serves any session."""

from __future__ import annotations

from mcp_engine import sessions
from mcp_engine.observability import stream_open
from mcp_engine.protocol import Message, handshake, result_response
from mcp_engine.transports.base import EVENT_STREAM, SESSION_HEADER, BaseMCPConsumer, Reply, listening


class StreamableHTTPTransport(BaseMCPConsumer):
    async def initialize(self, message: Message) -> None:
        if not message.is_request:
            await self.refuse(400, "initialize must be a request.")
            return
        agreed = handshake(message)
        session = await sessions.start(self.server.name, sessions.STREAMABLE, **agreed)
        response = result_response(message.id, self.server.initialize_result(agreed["protocol_version"]))
        await self.send_json(200, response, [(SESSION_HEADER.encode(), session.id.encode())])

    async def current_session(self) -> sessions.LegacySession | None:
        """The request's session, or None once the refusal has been sent."""
        session_id = self.header(SESSION_HEADER)
        if not session_id:
            await self.refuse(400, "Bad Request: Missing session ID; send initialize first.")
            return None
        session = await sessions.find(session_id, self.server.name)
        if session is None or session.transport != sessions.STREAMABLE:
            await self.refuse(404, "Session not found: it ended or never existed; send initialize again.")
            return None
        return session

    async def in_session(self, message: Message) -> None:
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
        response, error = await self.session_request(session, message, reply)
        await reply.finish(response, error, modern=False)

    async def session_stream(self) -> None:
        """GET with ``Mcp-Session-Id``: the session's server messages until the client leaves."""
        session = await self.current_session()
        if session is None:
            return
        if not self.accepts(EVENT_STREAM):
            await self.refuse(406, "Accept must include text/event-stream.")
            return
        groups = [sessions.group_for_session(session.id), sessions.group_for_server(self.server.name)]
        with self.stream_slot() as admitted:
            if not admitted:
                await self.refuse_stream()
                return
            async with listening(groups) as channel:
                with stream_open(self.server.name, "session"):
                    await self.open_stream()
                    await self.relay(channel)

    async def delete_session(self) -> None:
        session = await self.current_session()
        if session is None:
            return
        await sessions.end(session.id)
        await self.send_empty(200)
