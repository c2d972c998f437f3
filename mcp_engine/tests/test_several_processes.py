"""Two server processes sharing Redis: a client may reach either one with any request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from queue import Empty, Queue
from typing import Any

import httpx
import pytest

from tests.liveserver import LiveServer, live_server, migrate, server_env
from tests.services import REDIS_MISSING, redis_url

pytestmark = pytest.mark.skipif(redis_url() is None, reason=REDIS_MISSING)
ACCEPT = "application/json, text/event-stream"
PATH = "/mcp-conformance"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    shared = tmp_path_factory.mktemp("pair")
    env = {
        "REDIS_URL": redis_url() or "",
        "SQLITE_PATH": str(shared / "shared.sqlite3"),
        "MCP_SSE_KEEPALIVE_SECONDS": "1",
    }
    migrate(server_env(shared, **env))
    with (
        live_server(shared / "a", migrated=True, **env) as first,
        live_server(shared / "b", migrated=True, **env) as second,
    ):
        yield first, second


def rpc(method: str, params: Mapping[str, object] | None = None, id: int = 1) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": id, "method": method, "params": params or {}}


def read_events(url: str, events: Queue[tuple[str, str]], stop: threading.Event) -> None:
    event = ""
    try:
        with httpx.stream("GET", url, headers={"Accept": "text/event-stream"}, timeout=30) as stream:
            for line in stream.iter_lines():
                if line.startswith(":"):
                    events.put(("keep-alive", ""))
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    events.put((event, line[6:]))
                if stop.is_set():
                    return
    except httpx.HTTPError:
        return  # the servers stop at the end of the module; the test has its answers by then


def test_an_sse_stream_on_one_process_gets_answers_to_posts_sent_to_the_other(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair
    events: Queue[tuple[str, str]] = Queue()
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(f"{first.url}{PATH}", events, stop), daemon=True)
    reader.start()
    kind, endpoint = events.get(timeout=10)
    assert kind == "endpoint"
    # Answers must still arrive after idle keep-alive periods, not only right after connecting.
    assert [events.get(timeout=5)[0] for _ in range(2)] == ["keep-alive", "keep-alive"]
    init = {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    for id, (method, params) in enumerate([("initialize", init), ("tools/list", {}), ("ping", {})], start=1):
        response = httpx.post(f"{second.url}{endpoint}", json=rpc(method, params, id))
        assert response.status_code == 202
    answers: dict[int, dict[str, Any]] = {}
    while len(answers) < 3:
        try:
            kind, data = events.get(timeout=10)
        except Empty:
            pytest.fail(f"only {len(answers)} of 3 answers arrived on the stream")
        if kind == "message":
            message = json.loads(data)
            answers[message["id"]] = message
    stop.set()
    assert answers[1]["result"]["serverInfo"]["name"] == "mcp-conformance"
    assert "test_simple_text" in [tool["name"] for tool in answers[2]["result"]["tools"]]
    assert answers[3]["result"] == {}


def test_a_session_started_on_one_process_is_served_and_ended_by_the_other(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    started = httpx.post(f"{first.url}{PATH}", json=rpc("initialize", init), headers={"Accept": ACCEPT})
    session = started.headers["mcp-session-id"]
    headers = {"Accept": ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
    listed = httpx.post(f"{second.url}{PATH}", json=rpc("tools/list", id=2), headers=headers)
    assert listed.status_code == 200
    assert "test_simple_text" in [tool["name"] for tool in listed.json()["result"]["tools"]]
    assert httpx.delete(f"{second.url}{PATH}", headers=headers).status_code == 200
    assert httpx.post(f"{first.url}{PATH}", json=rpc("ping", id=3), headers=headers).status_code == 404
