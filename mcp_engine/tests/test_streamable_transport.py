"""2025 Streamable HTTP sessions, in process: initialize, requests in a session, the GET stream,
DELETE, and server-to-client requests answered by a later POST."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_fixtures.tools import server as fixtures_server
from mcp_engine import MCPServer, sessions
from mcp_engine.errors import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND
from mcp_engine.observability import OPEN_STREAMS
from mcp_engine.tests.asgi import HANDSHAKE, INITIALIZE, Client, Response, rpc, sample, session_headers
from mcp_engine.transports import broadcast_list_changed

PATH = "/mcp-conformance"


async def initialize(client: Client, path: str = PATH, params: dict[str, Any] | None = None) -> str:
    response = await client.request(
        "POST", path, json_body=rpc("initialize", params or INITIALIZE), headers=session_headers(None, HANDSHAKE)
    )
    assert response.status == 200, response.body
    return response.headers["mcp-session-id"]


async def in_session(client: Client, session: str, method: str, params: dict[str, Any] | None = None) -> Response:
    return await client.request("POST", PATH, json_body=rpc(method, params), headers=session_headers(session))


def assert_refused(response: Response, status: int, code: int = INVALID_REQUEST) -> str:
    assert response.status == status, response.body
    error = response.json()["error"]
    assert error["code"] == code, error
    return str(error["message"])


async def test_initialize_starts_a_session_named_by_a_header(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST", PATH, json_body=rpc("initialize", INITIALIZE), headers=session_headers(None)
    )
    result = response.json()["result"]
    assert response.headers["content-type"] == "application/json"
    assert result["protocolVersion"] == HANDSHAKE
    assert result["serverInfo"] == {"name": "mcp-conformance", "title": "Conformance fixtures", "version": "1.0.0"}
    assert result["capabilities"]["logging"] == {}
    session = response.headers["mcp-session-id"]
    assert len(session) == 32 and int(session, 16) >= 0


async def test_an_unknown_version_is_answered_with_the_latest(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client, params={**INITIALIZE, "protocolVersion": "1999-01-01"})
    stored = await sessions.find(session, "mcp-conformance")
    assert stored is not None and stored.protocol_version == HANDSHAKE


async def test_initialize_must_be_a_request(fixtures_client: Client) -> None:
    body = rpc("initialize", INITIALIZE, id=None)
    response = await fixtures_client.request("POST", PATH, json_body=body, headers=session_headers(None))
    assert "must be a request" in assert_refused(response, 400)


async def test_a_request_without_a_session_is_400(fixtures_client: Client) -> None:
    assert "session" in assert_refused(await in_session(fixtures_client, "", "tools/list"), 400).lower()


async def test_an_unknown_session_is_404(fixtures_client: Client) -> None:
    assert_refused(await in_session(fixtures_client, "0" * 32, "tools/list"), 404)


@pytest.mark.parametrize("session", ["zz" * 40, "not-hex!", "é"], ids=["too-long", "punctuation", "non-ascii"])
async def test_a_malformed_session_id_is_not_found(fixtures_client: Client, session: str) -> None:
    assert_refused(await in_session(fixtures_client, session, "ping"), 404)


async def test_a_session_answers_then_ends_with_delete(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    initialized = await fixtures_client.request(
        "POST",
        PATH,
        json_body=rpc("notifications/initialized", id=None),
        headers=session_headers(session),
    )
    assert initialized.status == 202 and initialized.body == b""
    assert (await in_session(fixtures_client, session, "ping")).json()["result"] == {}
    deleted = await fixtures_client.request("DELETE", PATH, headers=session_headers(session))
    assert deleted.status == 200 and deleted.body == b""
    assert_refused(await in_session(fixtures_client, session, "ping"), 404)
    assert_refused(await fixtures_client.request("DELETE", PATH, headers=session_headers(session)), 404)


async def test_a_session_belongs_to_its_endpoint() -> None:
    other = MCPServer(name="other", version="1", uses_database=False)
    client = Client({"mcp-conformance": fixtures_server, "other": other})
    session = await initialize(client)
    response = await client.request("POST", "/other", json_body=rpc("ping"), headers=session_headers(session))
    assert_refused(response, 404)


async def test_errors_in_a_session_are_json_rpc_errors_in_a_200(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    assert_refused(await in_session(fixtures_client, session, "unknown/method"), 200, METHOD_NOT_FOUND)
    assert_refused(await in_session(fixtures_client, session, "server/discover"), 200, METHOD_NOT_FOUND)
    assert_refused(
        await in_session(fixtures_client, session, "logging/setLevel", {"level": "loud"}), 200, INVALID_PARAMS
    )
    assert_refused(await in_session(fixtures_client, session, "tools/call", {"name": 5}), 200, INVALID_PARAMS)


async def test_logs_follow_the_level_the_session_set(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    assert (await in_session(fixtures_client, session, "logging/setLevel", {"level": "warning"})).status == 200
    quiet = await in_session(fixtures_client, session, "tools/call", {"name": "test_tool_with_logging"})
    assert quiet.headers["content-type"] == "application/json", "info logs stay below the session's level"
    assert (await in_session(fixtures_client, session, "logging/setLevel", {"level": "info"})).status == 200
    loud = await in_session(fixtures_client, session, "tools/call", {"name": "test_tool_with_logging"})
    messages = [event.json() for event in loud.events]
    assert [message["params"]["data"] for message in messages[:-1]] == [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    assert messages[-1]["result"]["content"][0]["text"] == "Tool with logging executed successfully"


async def test_a_sampling_request_is_answered_by_a_later_post(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    call = rpc("tools/call", {"name": "test_sampling", "arguments": {"prompt": "Capital of France?"}}, id=9)
    async with fixtures_client.stream("POST", PATH, json_body=call, headers=session_headers(session)) as stream:
        assert stream.headers["content-type"] == "text/event-stream"
        request = (await stream.next_event()).json()
        assert request["method"] == "sampling/createMessage"
        assert request["params"]["messages"][0]["content"]["text"] == "Capital of France?"
        answer = {
            "jsonrpc": "2.0",
            "id": request["id"],
            "result": {"role": "assistant", "content": {"type": "text", "text": "Paris"}, "model": "test"},
        }
        posted = await fixtures_client.request("POST", PATH, json_body=answer, headers=session_headers(session))
        assert posted.status == 202
        result = await stream.event_for(9)
    assert result["result"]["content"][0]["text"] == "LLM response: Paris"


async def test_a_refused_sampling_request_fails_the_call_with_the_clients_error(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    call = rpc("tools/call", {"name": "test_sampling", "arguments": {"prompt": "?"}}, id=9)
    async with fixtures_client.stream("POST", PATH, json_body=call, headers=session_headers(session)) as stream:
        request = (await stream.next_event()).json()
        refusal = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -1, "message": "User declined"}}
        await fixtures_client.request("POST", PATH, json_body=refusal, headers=session_headers(session))
        result = await stream.event_for(9)
    assert result["error"] == {"code": -1, "message": "User declined"}


def open_streams() -> float:
    return sample(OPEN_STREAMS, "mcp_open_streams", server="mcp-conformance", kind="session")


async def test_the_get_stream_carries_server_messages_until_the_client_leaves(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    before = open_streams()
    headers = {**session_headers(session), "Accept": "text/event-stream"}
    async with fixtures_client.stream("GET", PATH, headers=headers) as stream:
        assert stream.status == 200 and stream.headers["content-type"] == "text/event-stream"
        assert open_streams() == before + 1
        await broadcast_list_changed(fixtures_server, "toolsListChanged")
        event = await stream.next_event()
    assert event.event == "message"
    assert event.json() == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
    assert open_streams() == before, "the stream's task ended with its client"


async def test_the_get_stream_needs_event_stream_accept(fixtures_client: Client) -> None:
    session = await initialize(fixtures_client)
    headers = {**session_headers(session), "Accept": "application/json"}
    response = await fixtures_client.request("GET", PATH, headers=headers)
    assert "text/event-stream" in assert_refused(response, 406)
