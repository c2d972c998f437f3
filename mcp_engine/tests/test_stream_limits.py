"""Per client address, a cap on open streams; per request, a deadline for a slow body."""

from __future__ import annotations

from contextlib import AsyncExitStack

from channels.testing import ApplicationCommunicator
from pytest_django.fixtures import Settings

from mcp_engine.tests.asgi import WAIT, Client, unique_address

PATH = "/mcp-conformance"
SSE = {"Accept": "text/event-stream"}


async def test_a_client_address_may_hold_only_so_many_streams(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_MAX_STREAMS_PER_ADDRESS = 2
    address, neighbour = unique_address(), unique_address()
    async with AsyncExitStack() as streams:
        for _ in range(2):
            opened = await streams.enter_async_context(
                fixtures_client.stream("GET", PATH, headers=SSE, address=address)
            )
            assert opened.status == 200
        refused = await fixtures_client.request("GET", PATH, headers=SSE, address=address)
        assert refused.status == 429 and refused.headers["retry-after"]
        assert "Too many open streams" in refused.json()["error"]["message"]
        other = await streams.enter_async_context(fixtures_client.stream("GET", PATH, headers=SSE, address=neighbour))
        assert other.status == 200, "another address has its own allowance"
    async with fixtures_client.stream("GET", PATH, headers=SSE, address=address) as again:
        assert again.status == 200, "closed streams give their slots back"


async def test_a_body_that_stops_arriving_is_refused_with_408(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_BODY_TIMEOUT_SECONDS = 0.2
    communicator: ApplicationCommunicator = fixtures_client._communicator(
        "POST", PATH, {"Content-Type": "application/json"}, unique_address()
    )
    await communicator.send_input({"type": "http.request", "body": b'{"jsonrpc": "2.0", ', "more_body": True})
    start = await communicator.receive_output(WAIT)
    assert start["status"] == 408
    body = await communicator.receive_output(WAIT)
    assert b"too slow" in body["body"]
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(WAIT)
