"""A shopping journey leaves JSON log lines with request ids, and moves the /metrics counters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client

from tests.liveserver import LiveServer, live_server, sign_in, start_session, until


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("logged"), LOG_LEVEL="INFO") as server:
        yield server


def every_tool_call_has_its_access_line(server: LiveServer) -> list[dict[str, Any]] | None:
    log = server.log()
    lines = [line for line in log[: log.rfind("\n") + 1].splitlines() if line.strip()]  # whole lines only
    records = [json.loads(line) for line in lines]  # every line is JSON, or this raises
    accessed = {record["request_id"] for record in records if record["logger"] == "targetdemo.access"}
    calls = {record["request_id"] for record in records if record["logger"] == "mcp_engine.calls"}
    return records if calls <= accessed else None


async def test_a_journey_is_logged_as_json_lines_with_request_ids(logged: LiveServer) -> None:
    calls = {"server": "target-auth", "tool": "get-target-auth-status", "outcome": "ok"}
    before = logged.metric("mcp_tool_calls_total", **calls)
    session_id = await start_session(logged)
    sign_in(logged, session_id)
    async with Client(f"{logged.url}/mcp") as client:
        status = await client.call_tool("get-target-auth-status", {"sessionId": session_id})
    assert status.structured_content["authenticated"] is True
    assert logged.metric("mcp_tool_calls_total", **calls) == before + 1

    # An access line is written once its answer has gone out: wait for the last one's.
    records = until(lambda: every_tool_call_has_its_access_line(logged), "access line for every tool call", 30)
    access = [record for record in records if record["logger"] == "targetdemo.access"]
    paths = {record["path"] for record in access}
    assert {"/mcp", "/api/session/authenticate", "/api/session/verify"} <= paths
    assert all(record["request_id"] and record["status"] for record in access)
    tool_calls = [record for record in records if record["logger"] == "mcp_engine.calls"]
    assert {record["request_id"] for record in tool_calls} <= {record["request_id"] for record in access}
    assert session_id not in logged.log(), "shopper handles appear only hashed"
