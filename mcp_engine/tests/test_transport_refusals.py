"""What every generation refuses before reaching a server: its HTTP status and JSON-RPC error."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from mcp_engine import sessions
from mcp_engine.errors import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RATE_LIMITED
from mcp_engine.tests.asgi import ACCEPT_BOTH, Client, Response, modern_headers, modern_params, rpc, unique_address

PATH = "/mcp-conformance"


def assert_refused(response: Response, status: int, code: int = INVALID_REQUEST) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == code, body
    assert b"Traceback" not in response.body
    return dict(body["error"])


async def discover(client: Client, **headers: str) -> Response:
    return await client.request(
        "POST",
        PATH,
        json_body=rpc("server/discover", modern_params({})),
        headers=modern_headers("server/discover", extra=headers),
    )


async def test_a_foreign_origin_is_forbidden(fixtures_client: Client) -> None:
    error = assert_refused(await discover(fixtures_client, Origin="https://evil.example"), 403)
    assert "https://evil.example" in error["message"]


async def test_the_endpoints_own_origin_is_allowed(fixtures_client: Client) -> None:
    assert (await discover(fixtures_client, Origin="http://127.0.0.1:8000")).status == 200


async def test_a_configured_origin_is_allowed(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_ALLOWED_ORIGINS = ["https://host.example"]
    assert (await discover(fixtures_client, Origin="https://host.example/")).status == 200


async def test_a_foreign_host_is_misdirected(fixtures_client: Client) -> None:
    error = assert_refused(await discover(fixtures_client, Host="evil.example.com"), 421)
    assert "evil.example.com" in error["message"]


async def test_a_body_over_the_limit_is_413_however_it_is_chunked(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_MAX_BODY_BYTES = 2048
    chunks = [b"x" * 1000] * 3
    error = assert_refused(
        await fixtures_client.request("POST", PATH, body=chunks, headers=modern_headers("ping")), 413
    )
    assert "2048 bytes" in error["message"]


async def test_a_body_at_the_limit_is_read_whole(fixtures_client: Client, settings: Settings) -> None:
    settings.MCP_MAX_BODY_BYTES = 2048
    body = json.dumps(rpc("tools/call", modern_params({"name": "test_simple_text", "padding": ""}))).encode()
    body = body.replace(b'"padding": ""', b'"padding": "' + b"x" * (2048 - len(body)) + b'"')
    assert len(body) == 2048
    halves = [body[:1000], body[1000:]]
    response = await fixtures_client.request(
        "POST", PATH, body=halves, headers=modern_headers("tools/call", {"name": "test_simple_text"})
    )
    assert response.status == 200, response.body
    assert response.json()["result"]["content"][0]["text"].startswith("This is a simple text")


async def test_malformed_json_is_a_parse_error(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST", PATH, body=b'{"jsonrpc": "2.0", "id": 1,', headers=modern_headers("ping")
    )
    assert_refused(response, 400, PARSE_ERROR)


@pytest.mark.parametrize(
    "body",
    [
        [rpc("tools/list")],
        {"id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": True, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": [1, 2]},
        {"jsonrpc": "2.0", "id": 1},
        "just a string",
    ],
    ids=["batch", "no-jsonrpc", "boolean-id", "positional-params", "neither-method-nor-result", "not-an-object"],
)
async def test_an_invalid_request_is_refused(fixtures_client: Client, body: Any) -> None:
    response = await fixtures_client.request("POST", PATH, json_body=body, headers=modern_headers("tools/list"))
    assert_refused(response, 400)


async def test_a_non_json_content_type_is_415(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST", PATH, body=b"{}", headers={"Content-Type": "text/plain", "Accept": ACCEPT_BOTH}
    )
    assert "Content-Type" in assert_refused(response, 415)["message"]


async def test_a_client_that_accepts_neither_json_nor_sse_is_406(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST", PATH, json_body=rpc("tools/list"), headers={"Content-Type": "application/json", "Accept": "text/html"}
    )
    assert "Accept" in assert_refused(response, 406)["message"]


async def test_other_http_methods_are_405(fixtures_client: Client) -> None:
    response = await fixtures_client.request("PUT", PATH, body=b"{}")
    assert response.status == 405
    assert response.headers["allow"] == "GET, POST, DELETE"
    assert response.body == b""


async def test_every_answer_carries_the_callers_request_id_or_a_new_one(fixtures_client: Client) -> None:
    mine = await discover(fixtures_client, **{"X-Request-ID": "trace-0001-abcdef"})
    assert mine.headers["x-request-id"] == "trace-0001-abcdef"
    insane = await discover(fixtures_client, **{"X-Request-ID": "<script>"})
    assert insane.headers["x-request-id"] != "<script>" and len(insane.headers["x-request-id"]) == 16
    refused = await fixtures_client.request("PUT", PATH)
    assert len(refused.headers["x-request-id"]) == 16


async def test_a_transport_failure_is_an_internal_error_without_details(
    fixtures_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def session_store_broken(*args: object, **kwargs: object) -> sessions.LegacySession:
        raise RuntimeError("cache at 10.0.0.7 answered garbage")

    monkeypatch.setattr(sessions, "start", session_store_broken)
    caplog.set_level(logging.ERROR, logger="mcp_engine")
    response = await fixtures_client.request(
        "POST", PATH, json_body=rpc("initialize", {}), headers={"Content-Type": "application/json"}
    )
    error = assert_refused(response, 500, INTERNAL_ERROR)
    assert error["message"] == "Internal error."
    assert b"10.0.0.7" not in response.body
    assert any("10.0.0.7" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)


async def test_an_unreachable_session_store_is_503_with_retry_after_and_logged(
    fixtures_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def session_store_down(*args: object, **kwargs: object) -> sessions.LegacySession:
        raise ConnectionError("cache at 10.0.0.7 refused the connection")

    monkeypatch.setattr(sessions, "start", session_store_down)
    caplog.set_level(logging.ERROR, logger="mcp_engine")
    response = await fixtures_client.request(
        "POST", PATH, json_body=rpc("initialize", {}), headers={"Content-Type": "application/json"}
    )
    error = assert_refused(response, 503, INTERNAL_ERROR)
    assert "unavailable" in error["message"] and response.headers["retry-after"] == "5"
    assert b"10.0.0.7" not in response.body
    assert any("10.0.0.7" in record.getMessage() for record in caplog.records)


@pytest.mark.usefixtures("frozen_clock")
async def test_a_client_address_over_its_limit_gets_429_with_retry_after(
    fixtures_client: Client, settings: Settings
) -> None:
    settings.MCP_RATE_LIMIT_PER_ADDRESS = "3/60"
    address, neighbour = unique_address(), unique_address()
    answers = [await fixtures_client.request("PUT", PATH, address=address) for _ in range(4)]
    assert [answer.status for answer in answers] == [405, 405, 405, 429]
    error = answers[3].json()["error"]
    assert error["code"] == RATE_LIMITED
    assert answers[3].headers["retry-after"] == "30" and error["data"] == {"retryAfter": 30}
    assert (await fixtures_client.request("PUT", PATH, address=neighbour)).status == 405, "counted per address"


@pytest.mark.usefixtures("frozen_clock")
async def test_behind_a_trusted_proxy_the_address_it_saw_is_limited(
    fixtures_client: Client, settings: Settings
) -> None:
    settings.MCP_RATE_LIMIT_PER_ADDRESS = "1/60"
    settings.MCP_TRUST_X_FORWARDED_FOR = True
    proxy, seen, other = unique_address(), unique_address(), unique_address()

    async def via_proxy(forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return (await fixtures_client.request("PUT", PATH, headers=headers, address=proxy)).status

    assert await via_proxy(f"203.0.113.9, {seen}") == 405
    assert await via_proxy(f"203.0.113.10, {seen}") == 429, "the last entry is the one the proxy saw"
    assert await via_proxy(other) == 405
