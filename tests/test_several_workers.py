"""Three workers behind a load balancer without stickiness, and one of them killed mid-journey.

`manage.py serve_workers --workers 3` (uvicorn, the production server) runs on consecutive ports
over a fresh PostgreSQL database of the run's own and Redis (under the run's key prefix). One client sends its requests to the
workers in turn, as a round-robin balancer does, in each protocol generation: 2026-07-28 stateless
POSTs, a 2025 Streamable HTTP session (initialize on one worker, calls on the others, DELETE on
another) and a 2024-11-05 SSE stream on one worker with its POSTs sent to the others. Then a
shopper signs in, fills a cart, and the worker that served the cart is SIGKILLed: the journey goes
on with the two left, and the cart, the session and the order are all there. The dead worker is
started again by serve_workers and answers for the same order.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from queue import Empty, Queue
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.liveserver import Workers, serve_workers
from tests.personas import LAUREN
from tests.services import POSTGRES_MISSING, REDIS_MISSING, fresh_database, postgres_url, redis_url

pytestmark = [
    pytest.mark.skipif(redis_url() is None, reason=REDIS_MISSING),
    pytest.mark.skipif(postgres_url() is None, reason=POSTGRES_MISSING),
]

WORKERS = 3
ACCEPT = "application/json, text/event-stream"
MODERN = "2026-07-28"
COTTON_ROUNDS = "31508397"  # 2.49
NOTEBOOK = "42191994"  # 4.29
# A bound on waiting for a stream event, for a hang; a loaded machine can take seconds.
EVENT_SECONDS = 60


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    with (
        fresh_database("workers") as database_url,
        serve_workers(
            tmp_path_factory.mktemp("workers"),
            WORKERS,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url() or "",
            MCP_SSE_KEEPALIVE_SECONDS="1",
            MCP_CONFORMANCE_FIXTURES="0",
        ) as workers,
    ):
        yield workers


# -- the three protocol generations, by hand so that each request goes where the test says --------

_ids = itertools.count(1)


def rpc(method: str, params: dict[str, Any] | None = None, *, notification: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
    if not notification:
        message["id"] = next(_ids)
    return message


def modern(base: str, endpoint: str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One 2026-07-28 stateless request: the _meta envelope and the routing headers, no session."""
    params = dict(params or {})
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "round-robin", "version": "1"},
    }
    headers = {"Accept": ACCEPT, "MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = params["name"]
    response = httpx.post(f"{base}{endpoint}", json=rpc(method, params), headers=headers, timeout=30)
    assert response.status_code == 200, f"{base}{endpoint} {method}: {response.status_code} {response.text}"
    return dict(response.json()["result"])


def tool_result(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("isError") is not True, result
    return dict(result["structuredContent"])


class StreamableSession:
    """A 2025-11-25 Streamable HTTP session whose requests go wherever the caller sends them."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.session_id = ""

    def headers(self) -> dict[str, str]:
        return {"Accept": ACCEPT, "Mcp-Session-Id": self.session_id, "MCP-Protocol-Version": "2025-11-25"}

    def initialize(self, base: str) -> dict[str, Any]:
        init = {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "round-robin", "version": "1"},
        }
        response = httpx.post(
            f"{base}{self.endpoint}", json=rpc("initialize", init), headers={"Accept": ACCEPT}, timeout=30
        )
        assert response.status_code == 200, response.text
        self.session_id = response.headers["mcp-session-id"]
        return dict(response.json()["result"])

    def notify(self, base: str, method: str) -> None:
        response = httpx.post(
            f"{base}{self.endpoint}", json=rpc(method, notification=True), headers=self.headers(), timeout=30
        )
        assert response.status_code == 202, response.text

    def request(self, base: str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{base}{self.endpoint}", json=rpc(method, params), headers=self.headers(), timeout=30)
        assert response.status_code == 200, f"{base} {method}: {response.status_code} {response.text}"
        body = (
            response.json()
            if response.headers["content-type"].startswith("application/json")
            else sse_last(response.text)
        )
        return dict(body["result"])

    def call_tool(self, base: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return tool_result(self.request(base, "tools/call", {"name": name, "arguments": arguments}))

    def delete(self, base: str) -> int:
        return httpx.delete(f"{base}{self.endpoint}", headers=self.headers(), timeout=30).status_code


def sse_last(text: str) -> dict[str, Any]:
    data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
    return dict(json.loads(data[-1]))


def read_events(url: str, events: Queue[tuple[str, str]], stop: threading.Event) -> None:
    event = ""
    try:
        with httpx.stream("GET", url, headers={"Accept": "text/event-stream"}, timeout=30) as stream:
            for line in stream.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    events.put((event, line[6:]))
    except httpx.HTTPError:
        return


# -- the tests ---------------------------------------------------------------------------------------


def test_stateless_2026_requests_go_to_any_worker(cluster: Workers) -> None:
    served_by = []
    for _ in range(WORKERS * 2):
        base = cluster.next()
        listed = modern(base, "/mcp2", "tools/list")
        assert "search-target-products" in [tool["name"] for tool in listed["tools"]]
        served_by.append(base)
    session = tool_result(
        modern(cluster.next(), "/mcp", "tools/call", {"name": "create-target-session", "arguments": {}})
    )
    status = tool_result(
        modern(
            cluster.next(),
            "/mcp",
            "tools/call",
            {"name": "get-target-auth-status", "arguments": {"sessionId": session["sessionId"]}},
        )
    )
    assert status["sessionId"] == session["sessionId"] and status["authenticated"] is False
    assert set(served_by) == set(cluster.urls)


def test_a_2025_session_is_initialized_used_and_deleted_on_different_workers(cluster: Workers) -> None:
    session = StreamableSession("/mcp")
    first, second, third = cluster.next(), cluster.next(), cluster.next()
    assert session.initialize(first)["serverInfo"]["name"] == "target-auth"
    session.notify(second, "notifications/initialized")
    assert "create-target-session" in [tool["name"] for tool in session.request(third, "tools/list")["tools"]]
    created = session.call_tool(first, "create-target-session", {})
    status = session.call_tool(second, "get-target-auth-status", {"sessionId": created["sessionId"]})
    assert status["sessionId"] == created["sessionId"]
    assert session.delete(third) == 200
    ended = httpx.post(f"{first}/mcp", json=rpc("ping"), headers=session.headers(), timeout=30)
    assert ended.status_code == 404


def test_a_2024_sse_stream_on_one_worker_gets_answers_to_posts_sent_to_the_others(cluster: Workers) -> None:
    stream_on = cluster.next()
    events: Queue[tuple[str, str]] = Queue()
    stop = threading.Event()
    threading.Thread(target=read_events, args=(f"{stream_on}/mcp3", events, stop), daemon=True).start()
    kind, endpoint = events.get(timeout=EVENT_SECONDS)
    assert kind == "endpoint" and endpoint.startswith("/mcp3/messages?sessionId=")
    init = {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "round-robin", "version": "1"}}
    sent = [
        rpc("initialize", init),
        rpc("notifications/initialized", notification=True),
        rpc("tools/list"),
        rpc("ping"),
    ]
    posted_to = []
    for message in sent:
        base = cluster.next()
        if base == stream_on:
            base = cluster.next()  # every POST to a worker other than the stream's
        posted_to.append(base)
        assert httpx.post(f"{base}{endpoint}", json=message, timeout=30).status_code == 202
    answers: dict[int, dict[str, Any]] = {}
    try:
        while len(answers) < 3:
            try:
                kind, data = events.get(timeout=EVENT_SECONDS)
            except Empty:
                pytest.fail(f"only {len(answers)} of 3 answers reached the stream on {stream_on}")
            if kind == "message":
                message = json.loads(data)
                answers[message["id"]] = message
    finally:
        stop.set()
    initialize, tools_list, ping = (sent[0]["id"], sent[2]["id"], sent[3]["id"])
    assert answers[initialize]["result"]["serverInfo"]["name"] == "target-checkout"
    assert "add-to-cart" in [tool["name"] for tool in answers[tools_list]["result"]["tools"]]
    assert answers[ping]["result"] == {}
    assert stream_on not in posted_to and len(set(posted_to)) == WORKERS - 1


def test_killing_a_worker_mid_journey_loses_no_cart_session_or_order(cluster: Workers) -> None:
    # Create the shopper session (2026 stateless) and sign in through the widget callbacks.
    session_id = tool_result(
        modern(cluster.next(), "/mcp", "tools/call", {"name": "create-target-session", "arguments": {}})
    )["sessionId"]
    sent = httpx.post(
        f"{cluster.next()}/api/session/authenticate",
        json={"sessionId": session_id, "email": LAUREN.email, "password": LAUREN.password},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text
    verified = httpx.post(
        f"{cluster.next()}/api/session/verify",
        json={"sessionId": session_id, "code": sent.json()["demo_code"]},
        timeout=30,
    )
    assert verified.status_code == 200 and verified.json()["authenticated"] is True, verified.text

    # Fill the cart through a 2025 session on /mcp3 that lives on the worker about to die.
    doomed = cluster.next()
    shop = StreamableSession("/mcp3")
    shop.initialize(doomed)
    shop.notify(doomed, "notifications/initialized")
    shop.call_tool(doomed, "add-to-cart", {"sessionId": session_id, "productId": COTTON_ROUNDS, "quantity": 2})
    added = shop.call_tool(doomed, "add-to-cart", {"sessionId": session_id, "productId": NOTEBOOK})
    assert added["cartCount"] == 3

    pid = cluster.kill(doomed)
    port = urlsplit(doomed).port
    cluster.wait_for_log(f"pid {pid} port {port} exited with status -9")  # reaped by serve_workers
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

    # The same MCP session, the same cart, on the workers that are left.
    summary = shop.call_tool(cluster.next(), "checkout", {"sessionId": session_id})
    cart = sorted((line["productId"], line["quantity"], line["unitPrice"]) for line in summary["lines"])
    assert cart == [(COTTON_ROUNDS, 2, "2.49"), (NOTEBOOK, 1, "4.29")]
    status = tool_result(
        modern(
            cluster.next(),
            "/mcp",
            "tools/call",
            {"name": "get-target-auth-status", "arguments": {"sessionId": session_id}},
        )
    )
    assert status["authenticated"] is True

    key = str(uuid.uuid4())
    placed = httpx.post(
        f"{cluster.next()}/api/checkout/complete",
        json={"sessionId": session_id, "version": summary["version"]},
        headers={"Idempotency-Key": key},
        timeout=30,
    )
    assert placed.status_code == 200, placed.text
    order = placed.json()
    assert order["status"] == "placed" and order["payment"]["status"] == "succeeded", order
    assert sorted((line["productId"], line["quantity"], line["unitPrice"]) for line in order["lines"]) == cart
    assert order["total"] == summary["total"]

    # A retry through the other worker answers the same order: one order, not two.
    again = httpx.post(
        f"{cluster.next()}/api/checkout/complete",
        json={"sessionId": session_id, "version": summary["version"]},
        headers={"Idempotency-Key": key},
        timeout=30,
    )
    assert again.status_code == 200 and again.json()["orderNumber"] == order["orderNumber"]
    assert shop.delete(cluster.next()) == 200

    # serve_workers starts the killed worker again, and it knows the order too.
    restarted = cluster.wait_for_log(re.compile(rf"pid (\d+) port {port} restarted"))
    assert int(re.findall(rf"pid (\d+) port {port} restarted", restarted)[-1]) != pid
    cluster.wait_until_healthy(doomed)
    replay = httpx.post(
        f"{doomed}/api/checkout/complete",
        json={"sessionId": session_id, "version": summary["version"]},
        headers={"Idempotency-Key": key},
        timeout=30,
    )
    assert replay.status_code == 200 and replay.json()["orderNumber"] == order["orderNumber"], replay.text
