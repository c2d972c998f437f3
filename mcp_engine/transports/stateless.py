"""2026-07-28: stateless POSTs. Each request carries its client's envelope in ``_meta`` and gets
one JSON or SSE answer; ``subscriptions/listen`` keeps an SSE stream of list changes open."""

from __future__ import annotations

from typing import Any

from mcp_engine import sessions
from mcp_engine.errors import INVALID_REQUEST, MCPError
from mcp_engine.observability import stream_open
from mcp_engine.protocol import Message, answer, dumps, error_response, modern_envelope
from mcp_engine.transports.base import LIST_CHANGED, LIST_CHANGED_METHODS, BaseMCPConsumer, Reply, listening

SUBSCRIPTION_ID_KEY = "io.modelcontextprotocol/subscriptionId"


class StatelessTransport(BaseMCPConsumer):
    async def stateless(self, message: Message) -> None:
        if message.is_response:
            refusal = MCPError(INVALID_REQUEST, "2026-07-28 clients send requests only, never responses.")
            await self.send_json(400, error_response(message.id, refusal))
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
        honoured = {key: True for key in LIST_CHANGED_METHODS if wanted.get(key)}
        subscription = {SUBSCRIPTION_ID_KEY: message.id}
        ack = {
            "jsonrpc": "2.0",
            "method": "notifications/subscriptions/acknowledged",
            "params": {"notifications": honoured, "_meta": subscription},
        }
        with self.stream_slot() as admitted:
            if not admitted:
                await self.refuse_stream()
                return
            async with listening([sessions.group_for_server(self.server.name)]) as channel:
                with stream_open(self.server.name, "listen"):
                    await self.open_stream()
                    await self.send_event(dumps(ack))
                    await self.relay(channel, lambda event: _list_change(event, honoured, subscription))


def _list_change(event: dict[str, Any], honoured: dict[str, bool], subscription: dict[str, Any]) -> str | None:
    if event.get("type") != LIST_CHANGED or not honoured.get(event["kind"]):
        return None
    return dumps({"jsonrpc": "2.0", "method": event["method"], "params": {"_meta": subscription}})
