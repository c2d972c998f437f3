"""Hostile and malformed JSON-RPC on every mounted endpoint and transport: never a 5xx, never a
traceback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcp_engine.registry import mounted_servers
from tests.liveserver import LiveServer

SERVERS = mounted_servers()
ENDPOINTS = [f"/{path}" for path in SERVERS]
METHODS = [
    "initialize",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "prompts/get",
    "completion/complete",
    "subscriptions/listen",
    "ping",
    "logging/setLevel",
    "notifications/initialized",
    "notifications/cancelled",
]
TOOLS = [*sorted({name for server in SERVERS.values() for name in server.tools}), "no-such-tool"]
ARGUMENTS = sorted(
    {
        prop
        for server in SERVERS.values()
        for tool in server.tools.values()
        for prop in tool.input_schema.get("properties", {})
    }
)
VERSIONS = [
    "2026-07-28",
    "2025-11-25",
    "2025-03-26",
    "2024-11-05",
    "1999-01-01",
    "",
    "\u00e9\u00e9",
    "2026-07-28\r\nX: y",
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False), st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
meta = st.fixed_dictionaries(
    {},
    optional={
        "io.modelcontextprotocol/protocolVersion": st.sampled_from(VERSIONS) | json_values,
        "io.modelcontextprotocol/clientCapabilities": st.just({}) | json_values,
        "io.modelcontextprotocol/logLevel": st.sampled_from(["debug", "info", "loud"]) | json_values,
        "progressToken": json_values,
    },
)
params = st.fixed_dictionaries(
    {},
    optional={
        "_meta": meta | json_values,
        "name": st.sampled_from(TOOLS) | json_values,
        "arguments": st.dictionaries(
            st.sampled_from(ARGUMENTS),
            json_values,
            max_size=4,
        )
        | json_values,
        "uri": st.sampled_from(["ui://x", "test://static-text", "test://template/1/data", "../../etc/passwd"])
        | json_values,
        "cursor": json_values,
        "protocolVersion": st.sampled_from(VERSIONS),
        "level": json_values,
        "inputResponses": json_values,
        "requestState": json_values,
    },
)
messages = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "1.0"]) | json_values},
    optional={
        "id": json_values,
        "method": st.sampled_from(METHODS) | json_values,
        "params": params | json_values,
        "result": json_values,
    },
)
bodies = st.one_of(
    messages.map(lambda message: json.dumps(message).encode()),
    st.lists(messages, max_size=3).map(lambda batch: json.dumps(batch).encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "MCP-Protocol-Version": st.sampled_from(VERSIONS[:6]),
        "Mcp-Method": st.sampled_from(METHODS) | st.from_regex(r"[!-~]{1,20}", fullmatch=True),
        "Mcp-Name": st.sampled_from([*TOOLS, "=?base64?!!?=", "=?base64?dGVzdA==?="]),
        "Mcp-Session-Id": st.sampled_from(["", "0" * 32, "zz", "a" * 200]),
        "Accept": st.sampled_from(
            ["application/json, text/event-stream", "text/event-stream", "application/json", "text/html"]
        ),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "application/json; charset=utf-8"]),
    },
)


def assert_sane(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text and 'File "' not in response.text


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Any:
    with httpx.Client(base_url=live.url, timeout=10) as http:
        yield http


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), body=bodies, extra=headers)
def test_streamable_http_survives_hostile_posts(
    client: httpx.Client, path: str, body: bytes, extra: dict[str, str]
) -> None:
    # SSE answers to subscriptions/listen stay open by design; read only the first bytes of any stream.
    with client.stream("POST", path, content=body, headers={"Content-Type": "application/json", **extra}) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            assert response.status_code == 200
            next(response.iter_bytes(), b"")
            return
        response.read()
        assert_sane(response)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), body=bodies, session=st.sampled_from(["", "0" * 32, "not-hex", "x" * 65]))
def test_sse_message_posts_survive_hostile_bodies(client: httpx.Client, path: str, body: bytes, session: str) -> None:
    assert_sane(
        client.post(f"{path}/messages?sessionId={session}", content=body, headers={"Content-Type": "application/json"})
    )


def test_a_live_sse_session_survives_hostile_messages_and_still_answers(client: httpx.Client, live: LiveServer) -> None:
    with httpx.stream(
        "GET", f"{live.url}{ENDPOINTS[0]}", headers={"Accept": "text/event-stream"}, timeout=20
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "event: endpoint"
        endpoint = next(lines)[6:]
        hostile = [
            b"",
            b"{",
            b"[]",
            b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":[]}}',
            json.dumps({"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}).encode(),
            "\u0000\ud7ff".encode(),
        ]
        for body in hostile:
            assert_sane(client.post(endpoint, content=body, headers={"Content-Type": "application/json"}))
        ping = {"jsonrpc": "2.0", "id": 99, "method": "ping", "params": {}}
        assert client.post(endpoint, json=ping).status_code == 202
        answer = next(line for line in lines if line.startswith("data: ") and '"id":99' in line)
        assert json.loads(answer[6:])["result"] == {}  # the stream is still alive and answering


def test_the_server_still_answers_after_the_fuzzing(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    discover = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "server/discover",
        "params": {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
    }
    response = client.post(
        ENDPOINTS[0],
        json=discover,
        headers={"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover", "Accept": "application/json"},
    )
    assert response.json()["result"]["supportedVersions"] == ["2026-07-28"]
