"""With Redis gone, MCP requests answer or fail fast with a clear error, and all recovers with it.

A live server runs on a redis-server of the test's own, which the test stops and starts again.
Stateless 2026-07-28 requests that need no shared state still answer (the rate limiter lets them
through and says so in the log); requests that need a session fail at once with a 503 naming the
cause; /readyz says 503. When Redis is back, the same server answers everything again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.liveserver import LiveServer, live_server
from tests.services import REDIS_SERVER_MISSING, PrivateRedis, private_redis

pytestmark = [pytest.mark.redis, pytest.mark.skipif(shutil.which("redis-server") is None, reason=REDIS_SERVER_MISSING)]

ACCEPT = "application/json, text/event-stream"
MODERN = "2026-07-28"
# Bounds a hang: a request that waits this long has hung. Not a timing.
ANSWER_SECONDS = 60.0


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, PrivateRedis]]:
    directory = Path(tmp_path_factory.mktemp("redis-outage"))
    with (
        private_redis(directory) as redis,
        live_server(
            directory,
            REDIS_URL=redis.url,
            MCP_RATE_LIMIT_PER_ADDRESS="600/60",
            MCP_CONFORMANCE_FIXTURES="0",
            LOG_LEVEL="WARNING",
        ) as live,
    ):
        yield live, redis


def post(live: LiveServer, body: dict[str, Any], **headers: str) -> httpx.Response:
    headers = {"Content-Type": "application/json", "Accept": ACCEPT, **headers}
    return httpx.post(f"{live.url}/mcp2", json=body, headers=headers, timeout=ANSWER_SECONDS)


def discover(live: LiveServer) -> httpx.Response:
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}
    return post(live, body, **{"MCP-Protocol-Version": MODERN, "Mcp-Method": "server/discover"})


def initialize(live: LiveServer) -> httpx.Response:
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "outage", "version": "1"}}
    return post(live, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})


def ready(live: LiveServer) -> int:
    return httpx.get(f"{live.url}/readyz", timeout=ANSWER_SECONDS).status_code


def test_without_redis_requests_answer_or_fail_fast_and_recover_when_it_returns(
    outage: tuple[LiveServer, PrivateRedis],
) -> None:
    live, redis = outage
    assert initialize(live).status_code == 200
    redis.stop()
    try:
        assert discover(live).status_code == 200, "a stateless request needs no shared state"
        refused = initialize(live)
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/json"
        assert refused.headers["retry-after"]
        assert "unavailable" in refused.json()["error"]["message"]
        live.wait_for_log("unreachable")
        assert ready(live) == 503
    finally:
        redis.start()
    assert initialize(live).status_code == 200
    assert discover(live).status_code == 200
    assert ready(live) == 200
