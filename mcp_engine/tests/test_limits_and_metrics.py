"""Rate limits answer 429 with Retry-After; /metrics and the logs show what happened."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.liveserver import LiveServer, live_server

ACCEPT = "application/json, text/event-stream"
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("strict"),
        MCP_RATE_LIMIT_PER_ADDRESS="20/60",
        MCP_RATE_LIMIT_PER_SHOPPER="3/60",
        LOG_LEVEL="INFO",
    ) as server:
        yield server


def call(
    server: LiveServer, tool: str, arguments: dict[str, object], headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": META},
    }
    return httpx.post(
        f"{server.url}/mcp",
        json=body,
        headers={
            "Accept": ACCEPT,
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "tools/call",
            "Mcp-Name": tool,
            **(headers or {}),
        },
    )


def test_a_shopper_session_over_its_limit_gets_429_with_retry_after(strict: LiveServer) -> None:
    answers = [call(strict, "get-target-auth-status", {"sessionId": "sess_flooding"}) for _ in range(4)]
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == 429
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    assert answers[3].json()["error"]["data"]["retryAfter"] == int(answers[3].headers["retry-after"])
    other = call(strict, "get-target-auth-status", {"sessionId": "sess_someone_else"})
    assert other.status_code == 200, "one shopper's limit does not touch another's"


def test_tool_call_logs_are_json_lines_without_shopper_handles(strict: LiveServer) -> None:
    call(
        strict,
        "get-target-auth-status",
        {"sessionId": "sess_private_handle"},
        headers={"X-Request-ID": "trace-logs-0001"},
    )
    records = [json.loads(line) for line in strict.log().splitlines() if line.startswith("{")]
    mine = [record for record in records if record.get("request_id") == "trace-logs-0001"]
    assert mine and mine[0]["tool"] == "get-target-auth-status" and mine[0]["server"] == "target-auth"
    assert mine[0]["outcome"] in {"ok", "tool_error"} and mine[0]["duration_ms"] >= 0
    assert "sess_private_handle" not in strict.log()


# Runs after the tests above on purpose: it uses up the address's allowance for the minute.
def test_a_client_address_over_its_limit_gets_429(strict: LiveServer) -> None:
    statuses = [
        httpx.get(f"{strict.url}/mcp", headers={"MCP-Protocol-Version": "2026-07-28"}).status_code for _ in range(25)
    ]
    assert 429 in statuses
    assert statuses[0] == 405


def test_metrics_count_tool_calls_and_logs_are_json_with_request_ids(live: LiveServer) -> None:
    before = httpx.get(f"{live.url}/metrics").text
    response = call(live, "create-target-session", {}, headers={"X-Request-ID": "journey-0001-abc"})
    assert response.headers["x-request-id"] == "journey-0001-abc"
    after = httpx.get(f"{live.url}/metrics").text
    line = 'mcp_tool_calls_total{outcome="ok",server="target-auth",tool="create-target-session"}'
    assert _value(after, line) == _value(before, line) + 1
    assert "mcp_tool_call_seconds_bucket" in after


def _value(metrics: str, series: str) -> float:
    for row in metrics.splitlines():
        if row.startswith(series):
            return float(row.rsplit(" ", 1)[1])
    return 0.0


def _open_streams(server: LiveServer, kind: str) -> float:
    return _value(
        httpx.get(f"{server.url}/metrics").text, f'mcp_open_streams{{kind="{kind}",server="mcp-conformance"}}'
    )


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
    return False


@pytest.mark.parametrize("kind", ["sse", "session"])
def test_a_stream_ends_with_its_client_and_leaves_nothing_running(live: LiveServer, kind: str) -> None:
    before = _open_streams(live, kind)
    headers = {"Accept": "text/event-stream"}
    if kind == "session":
        init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        started = httpx.post(
            f"{live.url}/mcp-conformance",
            json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init},
            headers={"Accept": ACCEPT},
        )
        headers["Mcp-Session-Id"] = started.headers["mcp-session-id"]
    with httpx.stream("GET", f"{live.url}/mcp-conformance", headers=headers, timeout=10) as stream:
        assert stream.status_code == 200
        assert _until(lambda: _open_streams(live, kind) == before + 1)
    assert _until(lambda: _open_streams(live, kind) == before), "the stream's task ended when its client left"
