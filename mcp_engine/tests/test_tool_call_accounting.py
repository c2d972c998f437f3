"""Per-principal rate limits, the tool-call log line and the metrics, in process."""

from __future__ import annotations

import logging
import uuid

import pytest
from pytest_django.fixtures import Settings

from mcp_engine import MCPServer, ToolError
from mcp_engine.errors import INTERNAL_ERROR, RATE_LIMITED
from mcp_engine.observability import RATE_LIMITED as RATE_LIMITED_TOTAL
from mcp_engine.observability import REQUESTS, TOOL_CALLS, TOOL_SECONDS, ToolCallRecord, pseudonym
from mcp_engine.tests.asgi import Client, Response, modern_headers, modern_params, rpc, sample
from mcp_engine.tools import ToolHints

ledger = MCPServer(name="ledger", version="1.0.0", principal_argument="caller", uses_database=False)
plain: ToolHints = {"read_only": False, "destructive": False, "idempotent": False, "open_world": False}


@ledger.tool(name="record", title="Record an entry", **plain)
async def record(caller: str, amount: int) -> str:
    """Record an entry for the caller."""
    if amount < 0:
        raise ToolError("Amounts are positive; record a refund instead.")
    return f"recorded {amount}"


@ledger.tool(name="audit", title="Audit", **plain)
async def audit() -> str:
    """Audit the ledger; has no caller."""
    raise RuntimeError("audit store unreachable")


client = Client({"ledger": ledger})


async def call(name: str, arguments: dict[str, object], **headers: str) -> Response:
    params = modern_params({"name": name, "arguments": arguments})
    return await client.request(
        "POST", "/ledger", json_body=rpc("tools/call", params), headers=modern_headers("tools/call", params, headers)
    )


def calls(outcome: str, tool: str = "record") -> float:
    return sample(TOOL_CALLS, "mcp_tool_calls_total", server="ledger", tool=tool, outcome=outcome)


@pytest.mark.usefixtures("frozen_clock")
async def test_a_principal_over_its_limit_gets_429_with_retry_after(settings: Settings) -> None:
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = "2/60"
    caller, neighbour = f"caller-{uuid.uuid4().hex}", f"caller-{uuid.uuid4().hex}"
    refused_before = sample(RATE_LIMITED_TOTAL, "mcp_rate_limited_total", server="ledger", scope="principal")
    answers = [await call("record", {"caller": caller, "amount": 1}) for _ in range(3)]
    assert [answer.status for answer in answers] == [200, 200, 429]
    error = answers[2].json()["error"]
    assert error["code"] == RATE_LIMITED and error["data"] == {"retryAfter": 30}
    assert error["message"] == "Too many requests for this caller; retry after 30 seconds."
    assert answers[2].headers["retry-after"] == "30"
    assert (await call("record", {"caller": neighbour, "amount": 1})).status == 200, "one principal's limit only"
    refused = sample(RATE_LIMITED_TOTAL, "mcp_rate_limited_total", server="ledger", scope="principal")
    assert refused == refused_before + 1


@pytest.mark.usefixtures("frozen_clock")
async def test_calls_without_a_principal_are_not_limited_per_principal(settings: Settings) -> None:
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = "1/60"
    statuses = [(await call("record", {"caller": "", "amount": 1})).status for _ in range(3)]
    assert statuses == [200, 200, 200]


async def test_each_tool_call_is_logged_with_the_principal_hashed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mcp_engine.calls")
    caller = f"private-{uuid.uuid4().hex}"
    await call("record", {"caller": caller, "amount": 3}, **{"X-Request-ID": "ledger-trace-0001"})
    [line] = [record for record in caplog.records if getattr(record, "request_id", None) == "ledger-trace-0001"]
    fields = vars(line)
    assert line.getMessage() == "tool call"
    assert (fields["server"], fields["tool"], fields["outcome"]) == ("ledger", "record", "ok")
    assert fields["principal"] == pseudonym(caller) != caller
    assert fields["duration_ms"] >= 0
    assert caller not in caplog.text


async def test_metrics_count_each_outcome_and_time_every_call() -> None:
    before = {outcome: calls(outcome) for outcome in ("ok", "tool_error")}
    internal_before = calls("internal_error", tool="audit")
    timed_before = sample(TOOL_SECONDS, "mcp_tool_call_seconds_count", server="ledger", tool="record")
    requests_before = sample(REQUESTS, "mcp_requests_total", server="ledger", method="tools/call", era="modern")
    await call("record", {"caller": "c", "amount": 1})
    await call("record", {"caller": "c", "amount": -1})
    assert (await call("audit", {})).json()["error"]["code"] == INTERNAL_ERROR
    assert calls("ok") == before["ok"] + 1
    assert calls("tool_error") == before["tool_error"] + 1
    assert calls("internal_error", tool="audit") == internal_before + 1
    assert sample(TOOL_SECONDS, "mcp_tool_call_seconds_count", server="ledger", tool="record") == timed_before + 2
    requests = sample(REQUESTS, "mcp_requests_total", server="ledger", method="tools/call", era="modern")
    assert requests == requests_before + 3


seen: list[ToolCallRecord] = []


def remember(record: ToolCallRecord) -> None:
    seen.append(record)


def explode(record: ToolCallRecord) -> None:
    raise RuntimeError("observer broke")


async def test_observers_learn_of_every_tool_call_with_its_outcome_and_principal(settings: Settings) -> None:
    settings.MCP_TOOL_CALL_OBSERVERS = [f"{__name__}.remember"]
    seen.clear()
    caller = f"caller-{uuid.uuid4().hex}"
    await call("record", {"caller": caller, "amount": 1})
    await call("record", {"caller": caller, "amount": -1})
    await call("audit", {})

    assert [(r.server, r.tool, r.outcome, r.principal) for r in seen] == [
        ("ledger", "record", "ok", caller),
        ("ledger", "record", "tool_error", caller),
        ("ledger", "audit", "internal_error", None),
    ]
    assert all(record.duration_ms >= 0 for record in seen)


async def test_a_failing_observer_is_logged_and_the_call_still_answers(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.MCP_TOOL_CALL_OBSERVERS = [f"{__name__}.explode", f"{__name__}.remember"]
    seen.clear()
    with caplog.at_level(logging.ERROR, logger="mcp_engine.calls"):
        answer = await call("record", {"caller": "someone", "amount": 2})

    assert answer.status == 200 and answer.json()["result"]["isError"] is False
    assert [record.outcome for record in seen] == ["ok"]
    assert "tool call observer failed" in caplog.text
