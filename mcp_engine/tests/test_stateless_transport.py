"""2026-07-28 stateless POSTs, in process: the envelope and header checks, JSON and SSE answers,
and subscriptions/listen."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from mcp_engine import MCPServer
from mcp_engine.errors import (
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from mcp_engine.observability import OPEN_STREAMS
from mcp_engine.tests.asgi import (
    MODERN,
    Client,
    Response,
    Stream,
    envelope,
    modern_headers,
    modern_params,
    rpc,
    sample,
)

PATH = "/mcp-conformance"

notes = MCPServer(name="notes", version="2.1.0", list_ttl_ms=60_000, uses_database=False)


@notes.tool(
    name="count-words", title="Count words", read_only=True, destructive=False, idempotent=True, open_world=False
)
async def count_words(text: str) -> str:
    """Count the words of a text."""
    return str(len(text.split()))


def assert_error(response: Response, status: int, code: int, id: Any = 7) -> dict[str, Any]:
    assert response.status == status, response.body
    body = response.json()
    assert body["id"] == id, "an error echoes the request's id"
    assert body["error"]["code"] == code, body
    return dict(body["error"])


async def post(client: Client, body: Any, headers: dict[str, str], path: str = PATH) -> Response:
    return await client.request("POST", path, json_body=body, headers=headers)


async def test_a_request_without_meta_is_invalid_params(fixtures_client: Client) -> None:
    error = assert_error(
        await post(fixtures_client, rpc("tools/call", id=7), modern_headers("tools/call")), 400, INVALID_PARAMS
    )
    assert "_meta" in error["message"]


async def test_a_version_header_that_disagrees_with_meta_is_a_header_mismatch(fixtures_client: Client) -> None:
    body = rpc("server/discover", {"_meta": envelope("2099-01-01")}, id=7)
    assert_error(await post(fixtures_client, body, modern_headers("server/discover")), 400, HEADER_MISMATCH)


@pytest.mark.parametrize("header", [None, "tools/call", "SERVER/DISCOVER"], ids=["missing", "other", "other-case"])
async def test_a_missing_or_wrong_method_header_is_a_header_mismatch(
    fixtures_client: Client, header: str | None
) -> None:
    headers = modern_headers("server/discover")
    if header is None:
        del headers["Mcp-Method"]
    else:
        headers["Mcp-Method"] = header
    body = rpc("server/discover", modern_params({}), id=7)
    assert_error(await post(fixtures_client, body, headers), 400, HEADER_MISMATCH)


@pytest.mark.parametrize("name", [None, "other_tool"], ids=["missing", "other"])
async def test_a_tool_call_needs_the_name_header_to_match(fixtures_client: Client, name: str | None) -> None:
    headers = modern_headers("tools/call")
    if name is not None:
        headers["Mcp-Name"] = name
    body = rpc("tools/call", modern_params({"name": "test_simple_text"}), id=7)
    assert_error(await post(fixtures_client, body, headers), 400, HEADER_MISMATCH)


async def test_a_header_sent_twice_is_a_header_mismatch(fixtures_client: Client) -> None:
    headers = [*modern_headers("server/discover").items(), ("MCP-Protocol-Version", MODERN)]
    body = rpc("server/discover", modern_params({}), id=7)
    response = await fixtures_client.request("POST", PATH, json_body=body, headers=headers)
    assert "more than once" in assert_error(response, 400, HEADER_MISMATCH)["message"]


async def test_a_base64_name_header_is_decoded(fixtures_client: Client) -> None:
    headers = modern_headers("tools/call", extra={"Mcp-Name": "  =?base64?dGVzdF9zaW1wbGVfdGV4dA==?= "})
    response = await post(fixtures_client, rpc("tools/call", modern_params({"name": "test_simple_text"})), headers)
    assert response.status == 200
    assert response.json()["result"]["content"][0]["text"] == "This is a simple text response for testing."


async def test_a_bad_base64_header_is_a_header_mismatch(fixtures_client: Client) -> None:
    headers = modern_headers("tools/call", extra={"Mcp-Name": "=?base64?!!?="})
    body = rpc("tools/call", modern_params({"name": "test_simple_text"}), id=7)
    assert_error(await post(fixtures_client, body, headers), 400, HEADER_MISMATCH)


@pytest.mark.parametrize(
    ("header", "arguments", "status"),
    [("eu-west", {"region": "eu-west"}, 200), ("eu-west", {"region": "us-east"}, 400), (None, {"region": "eu"}, 400)],
    ids=["matching", "different", "header-missing"],
)
async def test_a_mirrored_parameter_header_must_match_its_argument(
    fixtures_client: Client, header: str | None, arguments: dict[str, str], status: int
) -> None:
    params = {"name": "test_x_mcp_header", "arguments": arguments}
    headers = modern_headers("tools/call", params)
    if header is not None:
        headers["Mcp-Param-Region"] = header
    response = await post(fixtures_client, rpc("tools/call", modern_params(params), id=7), headers)
    if status == 200:
        assert response.json()["result"]["content"][0]["text"] == "region=eu-west"
    else:
        assert_error(response, 400, HEADER_MISMATCH)


async def test_an_unsupported_version_names_the_supported_ones(fixtures_client: Client) -> None:
    body = rpc("server/discover", {"_meta": envelope("2099-01-01")}, id=7)
    headers = modern_headers("server/discover", extra={"MCP-Protocol-Version": "2099-01-01"})
    error = assert_error(await post(fixtures_client, body, headers), 400, UNSUPPORTED_PROTOCOL_VERSION)
    assert error["data"] == {"supported": [MODERN], "requested": "2099-01-01"}


async def test_a_missing_client_capability_is_named(fixtures_client: Client) -> None:
    params = modern_params({"name": "test_missing_capability"})
    response = await post(fixtures_client, rpc("tools/call", params, id=7), modern_headers("tools/call", params))
    error = assert_error(response, 400, MISSING_REQUIRED_CLIENT_CAPABILITY)
    assert error["data"]["requiredCapabilities"] == {"sampling": {}}


@pytest.mark.parametrize("method", ["unknown/method", "ping", "initialize", "logging/setLevel", "resources/subscribe"])
async def test_an_unknown_or_removed_method_is_404(fixtures_client: Client, method: str) -> None:
    response = await post(fixtures_client, rpc(method, modern_params({}), id=7), modern_headers(method))
    assert_error(response, 404, METHOD_NOT_FOUND)


async def test_an_unknown_tool_is_invalid_params_naming_it(fixtures_client: Client) -> None:
    params = modern_params({"name": "no_such_tool"})
    response = await post(fixtures_client, rpc("tools/call", params, id=7), modern_headers("tools/call", params))
    assert "no_such_tool" in assert_error(response, 400, INVALID_PARAMS)["message"]


async def test_an_unknown_resource_is_invalid_params_naming_the_uri() -> None:
    params = modern_params({"uri": "test://missing"})
    headers = modern_headers("resources/read", params)
    response = await post(Client({"notes": notes}), rpc("resources/read", params, id=7), headers, "/notes")
    assert assert_error(response, 400, INVALID_PARAMS)["data"] == {"uri": "test://missing"}


async def test_a_bug_is_an_internal_error_whose_incident_id_is_in_the_log(
    fixtures_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="mcp_engine")
    params = modern_params({"name": "test_unexpected_failure"})
    response = await post(fixtures_client, rpc("tools/call", params, id=7), modern_headers("tools/call", params))
    error = assert_error(response, 200, INTERNAL_ERROR)
    assert b"secret internal detail" not in response.body
    incident = error["message"].split("incident ")[1].rstrip(".")
    assert incident == response.headers["x-request-id"]
    logged = [record for record in caplog.records if getattr(record, "request_id", None) == incident]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])


async def test_a_tool_error_is_a_result_the_model_can_read(fixtures_client: Client) -> None:
    params = modern_params({"name": "test_error_handling"})
    response = await post(fixtures_client, rpc("tools/call", params), modern_headers("tools/call", params))
    result = response.json()["result"]
    assert response.status == 200
    assert result["isError"] is True
    assert result["content"] == [{"type": "text", "text": "This tool intentionally returns an error for testing"}]


async def test_a_notification_is_accepted_without_an_answer(fixtures_client: Client) -> None:
    body = rpc("notifications/progress", modern_params({}), id=None)
    response = await post(fixtures_client, body, modern_headers("notifications/progress"))
    assert response.status == 202 and response.body == b""


async def test_a_response_from_a_stateless_client_is_refused(fixtures_client: Client) -> None:
    body = {"jsonrpc": "2.0", "id": 7, "result": {}}
    assert_error(await post(fixtures_client, body, modern_headers("ping")), 400, INVALID_REQUEST)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_get_and_delete_with_a_modern_version_are_405(fixtures_client: Client, method: str) -> None:
    response = await fixtures_client.request(method, PATH, headers={"MCP-Protocol-Version": MODERN})
    assert response.status == 405
    assert response.headers["allow"] == "POST"


async def test_discovery_names_the_version_and_capabilities() -> None:
    client = Client({"notes": notes})
    response = await post(
        client, rpc("server/discover", modern_params({})), modern_headers("server/discover"), "/notes"
    )
    result = response.json()["result"]
    assert result["supportedVersions"] == [MODERN]
    assert result["capabilities"]["tools"] == {"listChanged": True}
    assert "logging" not in result["capabilities"], "2026-07-28 logs ride on the request's logLevel"


async def test_results_carry_result_type_cache_hints_and_server_info() -> None:
    client = Client({"notes": notes})
    response = await post(client, rpc("tools/list", modern_params({})), modern_headers("tools/list"), "/notes")
    result = response.json()["result"]
    assert response.headers["content-type"] == "application/json"
    assert result["resultType"] == "complete"
    assert result["ttlMs"] == 60_000 and result["cacheScope"] == "public"
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"] == {"name": "notes", "version": "2.1.0"}
    assert [tool["name"] for tool in result["tools"]] == ["count-words"]


async def test_an_event_stream_only_client_gets_one_sse_event() -> None:
    client = Client({"notes": notes})
    params = modern_params({"name": "count-words", "arguments": {"text": "one two three"}})
    headers = modern_headers("tools/call", params, {"Accept": "text/event-stream"})
    response = await post(client, rpc("tools/call", params, id=7), headers, "/notes")
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache, no-transform"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.body.startswith(b"event: message\ndata: {") and response.body.endswith(b"}\n\n")
    [event] = response.events
    assert event.json()["id"] == 7 and event.json()["result"]["content"][0]["text"] == "3"


async def test_progress_streams_before_the_result_when_the_client_takes_sse(fixtures_client: Client) -> None:
    params = modern_params({"name": "test_tool_with_progress"})
    params["_meta"]["progressToken"] = "p-1"
    response = await post(fixtures_client, rpc("tools/call", params, id=7), modern_headers("tools/call", params))
    assert response.headers["content-type"] == "text/event-stream"
    messages = [event.json() for event in response.events]
    assert [message["params"]["progress"] for message in messages[:-1]] == [0, 50, 100]
    assert all(message["method"] == "notifications/progress" for message in messages[:-1])
    assert messages[-1]["id"] == 7 and messages[-1]["result"]["content"][0]["text"] == "p-1"


async def test_a_json_only_client_gets_the_result_without_notifications(fixtures_client: Client) -> None:
    params = modern_params({"name": "test_tool_with_progress"})
    params["_meta"]["progressToken"] = "p-2"
    headers = modern_headers("tools/call", params, {"Accept": "application/json"})
    response = await post(fixtures_client, rpc("tools/call", params, id=7), headers)
    assert response.headers["content-type"] == "application/json"
    assert response.json()["result"]["content"][0]["text"] == "p-2"


async def test_logs_are_sent_only_when_the_request_asks_for_a_level(fixtures_client: Client) -> None:
    quiet = modern_params({"name": "test_logging_tool"})
    loud = {"name": "test_logging_tool", "_meta": {**envelope(), "io.modelcontextprotocol/logLevel": "info"}}
    silent = await post(fixtures_client, rpc("tools/call", quiet), modern_headers("tools/call", quiet))
    logged = await post(fixtures_client, rpc("tools/call", loud), modern_headers("tools/call", loud))
    assert silent.headers["content-type"] == "application/json"
    assert [event.json()["method"] for event in logged.events[:-1]] == ["notifications/message"]


async def test_input_required_state_comes_back_signed_and_tampering_is_refused(fixtures_client: Client) -> None:
    params = modern_params({"name": "test_input_required_result_tampered_state"})
    first = (await post(fixtures_client, rpc("tools/call", params), modern_headers("tools/call", params))).json()
    assert first["result"]["resultType"] == "input_required"
    state = first["result"]["requestState"]
    assert state != "round-1" and isinstance(state, str)
    honest = {**params, "requestState": state, "inputResponses": {"confirm": {"action": "accept"}}}
    answer = await post(fixtures_client, rpc("tools/call", honest), modern_headers("tools/call", honest))
    assert answer.json()["result"]["content"][0]["text"] == "state-ok: round-1"
    forged = {**honest, "requestState": state + "-TAMPERED"}
    refused = await post(fixtures_client, rpc("tools/call", forged, id=7), modern_headers("tools/call", forged))
    assert "requestState" in assert_error(refused, 400, INVALID_PARAMS)["message"]


def open_streams(kind: str) -> float:
    return sample(OPEN_STREAMS, "mcp_open_streams", server="mcp-conformance", kind=kind)


def listen(client: Client, wanted: dict[str, bool]) -> AbstractAsyncContextManager[Stream]:
    params = modern_params({"notifications": wanted})
    body = rpc("subscriptions/listen", params, id="sub-1")
    return client.stream("POST", PATH, json_body=body, headers=modern_headers("subscriptions/listen"))


async def trigger(client: Client, tool: str) -> None:
    params = modern_params({"name": tool})
    response = await post(client, rpc("tools/call", params), modern_headers("tools/call", params))
    assert response.status == 200


async def test_listen_acknowledges_then_forwards_tagged_list_changes(fixtures_client: Client) -> None:
    before = open_streams("listen")
    async with listen(fixtures_client, {"toolsListChanged": True, "bogus": True}) as stream:
        assert stream.status == 200 and stream.headers["content-type"] == "text/event-stream"
        ack = (await stream.next_event()).json()
        assert ack["method"] == "notifications/subscriptions/acknowledged"
        assert ack["params"]["notifications"] == {"toolsListChanged": True}
        assert ack["params"]["_meta"] == {"io.modelcontextprotocol/subscriptionId": "sub-1"}
        assert open_streams("listen") == before + 1
        await trigger(fixtures_client, "test_trigger_tool_change")
        change = (await stream.next_event()).json()
    assert change == {
        "jsonrpc": "2.0",
        "method": "notifications/tools/list_changed",
        "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "sub-1"}},
    }
    assert open_streams("listen") == before, "the stream ended with its client"


async def test_listen_forwards_only_the_changes_asked_for(fixtures_client: Client) -> None:
    async with listen(fixtures_client, {"promptsListChanged": True}) as stream:
        await stream.next_event()
        await trigger(fixtures_client, "test_trigger_tool_change")
        await trigger(fixtures_client, "test_trigger_prompt_change")
        change = (await stream.next_event()).json()
    assert change["method"] == "notifications/prompts/list_changed", "the tool change was filtered out"


async def test_several_requests_are_answered_concurrently(fixtures_client: Client) -> None:
    params = modern_params({})
    answers = await asyncio.gather(
        *(
            post(fixtures_client, rpc("server/discover", params, id=n), modern_headers("server/discover"))
            for n in range(5)
        )
    )
    assert sorted(json.loads(answer.body)["id"] for answer in answers) == [0, 1, 2, 3, 4]
