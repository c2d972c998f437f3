"""Every refusal on the MCP endpoints: its HTTP status and its JSON-RPC error code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.liveserver import LiveServer

MODERN = "2026-07-28"
ACCEPT = "application/json, text/event-stream"


def envelope(version: str = MODERN, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": capabilities or {},
    }


def modern_headers(method: str, name: str | None = None, version: str = MODERN) -> dict[str, str]:
    headers = {"Accept": ACCEPT, "MCP-Protocol-Version": version, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


def post(live: LiveServer, body: Any, headers: dict[str, str], path: str = "/mcp-conformance") -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{live.url}{path}", content=raw, headers={"Content-Type": "application/json", **headers})


def rpc(method: str, params: dict[str, Any] | None = None, id: int = 7) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id, "method": method, "params": params or {}}


def assert_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert "Traceback" not in response.text
    return error


# -- 2026-07-28 ------------------------------------------------------------------------------------


def test_it_rejects_a_request_without_meta(live: LiveServer) -> None:
    response = post(live, rpc("tools/list"), modern_headers("tools/list"))
    error = assert_error(response, 400, -32602)
    assert response.json()["id"] == 7
    assert "_meta" in error["message"]


def test_it_rejects_a_version_header_that_disagrees_with_meta(live: LiveServer) -> None:
    response = post(live, rpc("tools/list", {"_meta": envelope("2099-01-01")}), modern_headers("tools/list"))
    assert_error(response, 400, -32020)


@pytest.mark.parametrize("header", ["", "tools/call"])
def test_it_rejects_a_missing_or_wrong_method_header(live: LiveServer, header: str) -> None:
    headers = modern_headers(header or "tools/list")
    if not header:
        del headers["Mcp-Method"]
    response = post(live, rpc("tools/list", {"_meta": envelope()}), headers)
    assert_error(response, 400, -32020)


def test_it_rejects_a_tool_call_without_the_name_header(live: LiveServer) -> None:
    body = rpc("tools/call", {"name": "test_simple_text", "_meta": envelope()})
    assert_error(post(live, body, modern_headers("tools/call")), 400, -32020)
    assert_error(post(live, body, modern_headers("tools/call", "other_tool")), 400, -32020)


def test_it_decodes_a_base64_name_header(live: LiveServer) -> None:
    body = rpc("tools/call", {"name": "test_simple_text", "_meta": envelope()})
    response = post(live, body, modern_headers("tools/call", "=?base64?dGVzdF9zaW1wbGVfdGV4dA==?="))
    assert response.status_code == 200
    assert response.json()["result"]["content"][0]["text"].startswith("This is a simple text")


def test_it_names_its_versions_for_an_unsupported_one(live: LiveServer) -> None:
    body = rpc("tools/list", {"_meta": envelope("2099-01-01")})
    error = assert_error(post(live, body, modern_headers("tools/list", version="2099-01-01")), 400, -32022)
    assert error["data"] == {"supported": [MODERN], "requested": "2099-01-01"}


def test_it_asks_for_a_missing_client_capability(live: LiveServer) -> None:
    body = rpc("tools/call", {"name": "test_missing_capability", "_meta": envelope()})
    error = assert_error(post(live, body, modern_headers("tools/call", "test_missing_capability")), 400, -32021)
    assert error["data"]["requiredCapabilities"] == {"sampling": {}}


@pytest.mark.parametrize("method", ["unknown/method", "ping", "initialize", "logging/setLevel"])
def test_an_unknown_or_removed_method_is_404(live: LiveServer, method: str) -> None:
    assert_error(post(live, rpc(method, {"_meta": envelope()}), modern_headers(method)), 404, -32601)


def test_an_unknown_tool_is_invalid_params(live: LiveServer) -> None:
    body = rpc("tools/call", {"name": "no_such_tool", "_meta": envelope()})
    error = assert_error(post(live, body, modern_headers("tools/call", "no_such_tool")), 400, -32602)
    assert "no_such_tool" in error["message"]


def test_an_unknown_resource_is_invalid_params_naming_the_uri(live: LiveServer) -> None:
    uri = "test://missing"
    body = rpc("resources/read", {"uri": uri, "_meta": envelope()})
    error = assert_error(post(live, body, modern_headers("resources/read", uri)), 400, -32602)
    assert error["data"] == {"uri": uri}


def test_a_bug_is_an_internal_error_without_details(live: LiveServer) -> None:
    body = rpc("tools/call", {"name": "test_unexpected_failure", "_meta": envelope()})
    response = post(live, body, modern_headers("tools/call", "test_unexpected_failure"))
    error = assert_error(response, 200, -32603)
    assert "incident" in error["message"]
    assert "secret internal detail" not in response.text
    incident = error["message"].split("incident ")[1].rstrip(".")
    assert incident in live.log(), "the failure is logged under the id the client saw"


def test_a_modern_notification_is_accepted(live: LiveServer) -> None:
    body = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {}}
    response = post(live, body, modern_headers("notifications/progress"))
    assert response.status_code == 202 and response.content == b""


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_with_a_modern_version_are_405(live: LiveServer, method: str) -> None:
    response = httpx.request(method, f"{live.url}/mcp", headers={"MCP-Protocol-Version": MODERN, "Accept": ACCEPT})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_results_carry_result_type_and_cache_hints(live: LiveServer) -> None:
    body = rpc("tools/list", {"_meta": envelope()})
    result = post(live, body, modern_headers("tools/list"), path="/mcp").json()["result"]
    assert result["resultType"] == "complete"
    assert result["ttlMs"] >= 0 and result["cacheScope"] in {"public", "private"}
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "target-auth"


def test_an_event_stream_only_client_gets_sse(live: LiveServer) -> None:
    body = rpc("tools/list", {"_meta": envelope()})
    headers = {**modern_headers("tools/list"), "Accept": "text/event-stream"}
    response = post(live, body, headers)
    assert response.headers["content-type"].startswith("text/event-stream")
    data = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert json.loads(data[-1])["id"] == 7


# -- every generation -----------------------------------------------------------------------------


def test_a_foreign_origin_is_forbidden(live: LiveServer) -> None:
    headers = {**modern_headers("tools/list"), "Origin": "https://evil.example"}
    assert_error(post(live, rpc("tools/list", {"_meta": envelope()}), headers), 403, -32600)


def test_the_apps_own_origin_is_allowed(live: LiveServer) -> None:
    headers = {**modern_headers("tools/list"), "Origin": live.url}
    assert post(live, rpc("tools/list", {"_meta": envelope()}), headers).status_code == 200


def test_a_foreign_host_is_refused(live: LiveServer) -> None:
    headers = {**modern_headers("tools/list"), "Host": "evil.example.com"}
    response = post(live, rpc("tools/list", {"_meta": envelope()}), headers)
    assert response.status_code == 421


def test_an_oversized_body_is_413(live: LiveServer) -> None:
    body = json.dumps(rpc("tools/list", {"_meta": envelope(), "padding": "x" * (5 * 1024 * 1024)})).encode()
    assert_error(post(live, body, modern_headers("tools/list")), 413, -32600)


def test_malformed_json_is_a_parse_error(live: LiveServer) -> None:
    assert_error(post(live, b'{"jsonrpc": "2.0", "id": 1,', modern_headers("tools/list")), 400, -32700)


@pytest.mark.parametrize(
    "body",
    [
        [rpc("tools/list")],
        {"id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": True, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": [1, 2]},
        "just a string",
    ],
    ids=["batch", "no-jsonrpc", "boolean-id", "positional-params", "not-an-object"],
)
def test_an_invalid_request_is_refused(live: LiveServer, body: Any) -> None:
    assert_error(post(live, body, modern_headers("tools/list")), 400, -32600)


def test_a_non_json_content_type_is_415(live: LiveServer) -> None:
    response = httpx.post(f"{live.url}/mcp", content=b"{}", headers={"Content-Type": "text/plain", "Accept": ACCEPT})
    assert_error(response, 415, -32600)


def test_other_methods_are_405(live: LiveServer) -> None:
    response = httpx.put(f"{live.url}/mcp", content=b"{}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST, DELETE"


# -- 2025 Streamable HTTP sessions ----------------------------------------------------------------


def initialize(live: LiveServer, path: str = "/mcp-conformance") -> str:
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
    response = post(live, rpc("initialize", params, id=1), {"Accept": ACCEPT}, path)
    assert response.status_code == 200
    assert response.json()["result"]["protocolVersion"] == "2025-11-25"
    session = response.headers["mcp-session-id"]
    assert len(session) == 32 and int(session, 16) >= 0
    return session


def legacy_headers(session: str | None) -> dict[str, str]:
    headers = {"Accept": ACCEPT, "MCP-Protocol-Version": "2025-11-25"}
    if session:
        headers["Mcp-Session-Id"] = session
    return headers


def test_a_legacy_request_without_a_session_is_400(live: LiveServer) -> None:
    error = assert_error(post(live, rpc("tools/list"), legacy_headers(None)), 400, -32600)
    assert "session" in error["message"].lower()


def test_an_unknown_session_is_404(live: LiveServer) -> None:
    assert_error(post(live, rpc("tools/list"), legacy_headers("0" * 32)), 404, -32600)


def test_a_session_ends_with_delete(live: LiveServer) -> None:
    session = initialize(live)
    assert (
        post(live, {"jsonrpc": "2.0", "method": "notifications/initialized"}, legacy_headers(session)).status_code
        == 202
    )
    assert post(live, rpc("ping"), legacy_headers(session)).json()["result"] == {}
    assert httpx.delete(f"{live.url}/mcp-conformance", headers=legacy_headers(session)).status_code == 200
    assert_error(post(live, rpc("ping"), legacy_headers(session)), 404, -32600)


def test_a_session_belongs_to_its_endpoint(live: LiveServer) -> None:
    session = initialize(live, "/mcp")
    assert_error(post(live, rpc("tools/list"), legacy_headers(session), path="/mcp2"), 404, -32600)


def test_legacy_unknown_methods_and_bad_params_are_json_rpc_errors(live: LiveServer) -> None:
    session = initialize(live)
    assert_error(post(live, rpc("unknown/method"), legacy_headers(session)), 200, -32601)
    assert_error(post(live, rpc("logging/setLevel", {"level": "loud"}), legacy_headers(session)), 200, -32602)
    assert_error(post(live, rpc("tools/call", {"name": 5}), legacy_headers(session)), 200, -32602)


def test_a_session_stream_needs_event_stream_accept(live: LiveServer) -> None:
    session = initialize(live)
    response = httpx.get(
        f"{live.url}/mcp-conformance", headers={"Mcp-Session-Id": session, "Accept": "application/json"}
    )
    assert_error(response, 406, -32600)


# -- 2024-11-05 HTTP+SSE ----------------------------------------------------------------------------


def test_sse_posts_need_a_known_session(live: LiveServer) -> None:
    url = f"{live.url}/mcp-conformance/messages"
    assert_error(httpx.post(url, json=rpc("ping")), 400, -32600)
    assert_error(httpx.post(f"{url}?sessionId={'1' * 32}", json=rpc("ping")), 404, -32600)
    assert httpx.get(url).status_code == 405


def test_the_sse_stream_announces_its_endpoint_first(live: LiveServer) -> None:
    with httpx.stream("GET", f"{live.url}/mcp", headers={"Accept": "text/event-stream"}, timeout=5) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "event: endpoint"
        endpoint = next(lines)
    assert endpoint.startswith("data: /mcp/messages?sessionId=")
    assert len(endpoint.rsplit("=", 1)[1]) == 32
