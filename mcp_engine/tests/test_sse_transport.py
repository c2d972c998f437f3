"""2024-11-05 HTTP+SSE, in process: the stream names its message endpoint, POSTs there are accepted
with 202 and answered on the stream, and the session ends with the stream."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from mcp_engine import sessions
from mcp_engine.errors import INVALID_REQUEST, PARSE_ERROR
from mcp_engine.observability import OPEN_STREAMS
from mcp_engine.tests.asgi import INITIALIZE, Client, Response, Stream, envelope, rpc, sample

PATH = "/mcp-conformance"
STREAM_HEADERS = {"Accept": "text/event-stream"}


def open_streams() -> float:
    return sample(OPEN_STREAMS, "mcp_open_streams", server="mcp-conformance", kind="sse")


async def endpoint_of(stream: Stream) -> str:
    event = await stream.next_event()
    assert event.event == "endpoint"
    return event.data


def assert_refused(response: Response, status: int, code: int = INVALID_REQUEST) -> str:
    assert response.status == status, response.body
    error = response.json()["error"]
    assert error["code"] == code
    return str(error["message"])


async def test_the_stream_names_its_message_endpoint_first(fixtures_client: Client) -> None:
    async with fixtures_client.stream("GET", f"{PATH}/", headers=STREAM_HEADERS) as stream:
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream"
        assert stream.headers["cache-control"] == "no-cache, no-transform"
        assert stream.headers["x-accel-buffering"] == "no"
        endpoint = await endpoint_of(stream)
    path, _, session = endpoint.partition("?sessionId=")
    assert path == f"{PATH}/messages"
    assert len(session) == 32 and int(session, 16) >= 0


async def test_the_stream_needs_event_stream_accept(fixtures_client: Client) -> None:
    response = await fixtures_client.request("GET", PATH, headers={"Accept": "application/json"})
    assert "text/event-stream" in assert_refused(response, 406)


async def test_posts_are_accepted_and_answered_on_the_stream(fixtures_client: Client) -> None:
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        endpoint = await endpoint_of(stream)
        exchange = [
            rpc("initialize", {**INITIALIZE, "protocolVersion": "2024-11-05"}, id=1),
            rpc("notifications/initialized", id=None),
            rpc("tools/call", {"name": "test_simple_text"}, id=2),
            rpc("tools/call", {"name": "test_error_handling"}, id=3),
        ]
        for message in exchange:
            posted = await fixtures_client.request("POST", endpoint, json_body=message)
            assert posted.status == 202
            assert posted.body == b"Accepted" and posted.headers["content-type"] == "text/plain"
        initialized = await stream.event_for(1)
        text = await stream.event_for(2)
        failed = await stream.event_for(3)
    assert initialized["result"]["protocolVersion"] == "2024-11-05"
    assert text["result"]["content"][0]["text"] == "This is a simple text response for testing."
    assert failed["result"]["isError"] is True


async def test_a_modern_probe_is_answered_on_the_stream(fixtures_client: Client) -> None:
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        endpoint = await endpoint_of(stream)
        probe = rpc("server/discover", {"_meta": envelope()}, id="probe")
        assert (await fixtures_client.request("POST", endpoint, json_body=probe)).status == 202
        discovered = await stream.event_for("probe")
    assert discovered["result"]["supportedVersions"] == ["2026-07-28"]


async def test_posts_need_a_live_session_of_this_transport(fixtures_client: Client) -> None:
    url = f"{PATH}/messages"
    assert "sessionId" in assert_refused(await fixtures_client.request("POST", url, json_body=rpc("ping")), 400)
    unknown = await fixtures_client.request("POST", f"{url}?sessionId={'1' * 32}", json_body=rpc("ping"))
    assert_refused(unknown, 404)
    streamable = await sessions.start("mcp-conformance", sessions.STREAMABLE)
    other_transport = await fixtures_client.request("POST", f"{url}?sessionId={streamable.id}", json_body=rpc("ping"))
    assert_refused(other_transport, 404)
    wrong_method = await fixtures_client.request("GET", url)
    assert wrong_method.status == 405 and wrong_method.headers["allow"] == "POST"


async def test_a_malformed_post_is_refused_and_the_stream_still_answers(fixtures_client: Client) -> None:
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        endpoint = await endpoint_of(stream)
        assert_refused(await fixtures_client.request("POST", endpoint, body=b"{"), 400, PARSE_ERROR)
        assert_refused(await fixtures_client.request("POST", endpoint, body=b"[]"), 400)
        assert (await fixtures_client.request("POST", endpoint, json_body=rpc("ping", id=99))).status == 202
        assert (await stream.event_for(99))["result"] == {}


async def test_an_idle_stream_sends_keep_alive_comments(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_SSE_KEEPALIVE_SECONDS = 0.05
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        endpoint = await endpoint_of(stream)
        assert [await stream.next_frame(), await stream.next_frame()] == ["keep-alive", "keep-alive"]
        assert (await fixtures_client.request("POST", endpoint, json_body=rpc("ping", id=5))).status == 202
        assert (await stream.event_for(5))["result"] == {}, "answers still arrive after idle periods"


async def test_the_session_ends_with_its_stream(fixtures_client: Client) -> None:
    before = open_streams()
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        endpoint = await endpoint_of(stream)
        assert open_streams() == before + 1
    assert open_streams() == before
    after = await fixtures_client.request("POST", endpoint, json_body=rpc("ping"))
    assert_refused(after, 404)


@pytest.mark.parametrize("query", ["sessionId", "session_id"])
async def test_the_session_may_be_named_in_either_spelling(fixtures_client: Client, query: str) -> None:
    async with fixtures_client.stream("GET", PATH, headers=STREAM_HEADERS) as stream:
        session = (await endpoint_of(stream)).rpartition("=")[2]
        posted = await fixtures_client.request(
            "POST", f"{PATH}/messages?{query}={session}", json_body=rpc("ping", id=4)
        )
        assert posted.status == 202
        assert (await stream.event_for(4))["result"] == {}
