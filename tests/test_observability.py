"""A shopping journey leaves JSON log lines with request ids, and moves the /metrics counters."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from mcp import Client

from tests.journeys import sign_in, start_session
from tests.liveserver import LiveServer, live_server


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("logged"), LOG_LEVEL="INFO") as server:
        yield server


def counter(server: LiveServer, series: str) -> float:
    for row in httpx.get(f"{server.url}/metrics").text.splitlines():
        if row.startswith(series + " "):
            return float(row.rsplit(" ", 1)[1])
    return 0.0


async def test_a_journey_is_logged_as_json_lines_with_request_ids(logged: LiveServer) -> None:
    calls = 'mcp_tool_calls_total{outcome="ok",server="target-auth",tool="get-target-auth-status"}'
    before = counter(logged, calls)
    session_id = await start_session(logged)
    sign_in(logged, session_id)
    async with Client(f"{logged.url}/mcp") as client:
        status = await client.call_tool("get-target-auth-status", {"sessionId": session_id})
    assert status.structured_content["authenticated"] is True
    assert counter(logged, calls) == before + 1

    lines = [line for line in logged.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, or this raises
    access = [record for record in records if record["logger"] == "targetdemo.access"]
    paths = {record["path"] for record in access}
    assert {"/mcp", "/api/session/authenticate", "/api/session/verify"} <= paths
    assert all(record["request_id"] and record["status"] for record in access)
    tool_calls = [record for record in records if record["logger"] == "mcp_engine.calls"]
    assert {record["request_id"] for record in tool_calls} <= {record["request_id"] for record in access}
    assert session_id not in logged.log(), "shopper handles appear only hashed"
