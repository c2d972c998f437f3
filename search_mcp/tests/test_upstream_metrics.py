"""/metrics counts every failed call to Unwrangle by reason, retried attempts included."""

from __future__ import annotations

from mcp import Client

from search_mcp.tests.unwrangle_peer import Outcome, UnwranglePeer
from tests.liveserver import LiveServer

ERRORS = "targetdemo_upstream_api_errors_total"


async def search(server: LiveServer, query: str) -> None:
    async with Client(f"{server.url}/mcp2") as client:
        await client.call_tool("search-target-products", {"query": query})


async def test_upstream_errors_are_counted_by_reason(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    def errors(reason: str) -> float:
        return unwrangle_live.metric(ERRORS, service="unwrangle", reason=reason)

    before = {reason: errors(reason) for reason in ("http_5xx", "timeout", "key_rejected", "unreadable")}

    fresh_peer.mode = Outcome.SERVER_ERROR
    await search(unwrangle_live, "metrics kettle")  # tried, retried once: two errors
    fresh_peer.mode = Outcome.TIMEOUT
    await search(unwrangle_live, "metrics lamp")
    fresh_peer.mode = Outcome.SUCCESS
    fresh_peer.script(Outcome.INVALID_KEY)
    await search(unwrangle_live, "metrics mug")
    fresh_peer.script(Outcome.MALFORMED)
    await search(unwrangle_live, "metrics rug")

    assert errors("http_5xx") - before["http_5xx"] == 2
    assert errors("timeout") - before["timeout"] == 2
    assert errors("key_rejected") - before["key_rejected"] == 1
    assert errors("unreadable") - before["unreadable"] == 1
