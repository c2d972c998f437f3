"""The deployment's rate limits on a live server: per shopper session on the shop's tools, per
client address on every endpoint; 429 with Retry-After, and logs that never show a session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.liveserver import LiveServer, live_server

ACCEPT = "application/json, text/event-stream"
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
PER_SESSION = 3
PER_ADDRESS = 20


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("strict"),
        MCP_RATE_LIMIT_PER_ADDRESS=f"{PER_ADDRESS}/60",
        MCP_RATE_LIMIT_PER_PRINCIPAL=f"{PER_SESSION}/60",
        # Each test counts as its own client address, so no test spends another's allowance.
        MCP_TRUST_X_FORWARDED_FOR="1",
        LOG_LEVEL="INFO",
    ) as server:
        yield server


def client_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}"


def auth_status(server: LiveServer, session_id: str, address: str, **headers: str) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "get-target-auth-status", "arguments": {"sessionId": session_id}, "_meta": META},
    }
    return httpx.post(
        f"{server.url}/mcp",
        json=body,
        headers={
            "Accept": ACCEPT,
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "tools/call",
            "Mcp-Name": "get-target-auth-status",
            "X-Forwarded-For": address,
            **headers,
        },
    )


def until_refused(send: Callable[[], httpx.Response], limit: int) -> list[httpx.Response]:
    """Requests until the first 429. Within 2 * limit + 1 of them one fixed window must overflow,
    even if the requests straddle the end of a window."""
    answers: list[httpx.Response] = []
    for _ in range(2 * limit + 1):
        answers.append(send())
        if answers[-1].status_code == 429:
            break
    return answers


def test_a_shopper_session_over_its_limit_gets_429_with_retry_after(strict: LiveServer) -> None:
    session, address = f"sess_{uuid.uuid4().hex}", client_address()
    answers = until_refused(lambda: auth_status(strict, session, address), PER_SESSION)
    assert len(answers) > PER_SESSION and {answer.status_code for answer in answers[:-1]} == {200}
    refused = answers[-1]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["data"]["retryAfter"] == int(refused.headers["retry-after"])
    assert "sessionId" in refused.json()["error"]["message"]
    other = auth_status(strict, f"sess_{uuid.uuid4().hex}", address)
    assert other.status_code == 200, "one shopper's limit does not touch another's"


def test_tool_call_logs_are_json_lines_without_shopper_handles(strict: LiveServer) -> None:
    session = f"sess_private_{uuid.uuid4().hex}"
    auth_status(strict, session, client_address(), **{"X-Request-ID": "trace-logs-0001"})
    records = [json.loads(line) for line in strict.log().splitlines() if line.startswith("{")]
    mine = [record for record in records if record.get("request_id") == "trace-logs-0001"]
    calls = [record for record in mine if record["logger"] == "mcp_engine.calls"]
    assert calls and calls[0]["tool"] == "get-target-auth-status" and calls[0]["server"] == "target-auth"
    assert calls[0]["outcome"] in {"ok", "tool_error"} and calls[0]["duration_ms"] >= 0
    assert len(calls[0]["principal"]) == 12
    assert session not in strict.log()


def test_a_client_address_over_its_limit_gets_429(strict: LiveServer) -> None:
    address = client_address()

    def probe() -> httpx.Response:
        headers = {"MCP-Protocol-Version": "2026-07-28", "X-Forwarded-For": address}
        return httpx.get(f"{strict.url}/mcp", headers=headers)

    answers = until_refused(probe, PER_ADDRESS)
    assert len(answers) > PER_ADDRESS and {answer.status_code for answer in answers[:-1]} == {405}
    assert answers[-1].status_code == 429 and 1 <= int(answers[-1].headers["retry-after"]) <= 60
