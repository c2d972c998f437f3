"""What the engine reports about itself: Prometheus metrics and one log line per tool call."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

logger = logging.getLogger("mcp_engine.calls")

TOOL_CALLS = Counter("mcp_tool_calls", "Tool calls by server, tool and outcome.", ["server", "tool", "outcome"])
TOOL_SECONDS = Histogram(
    "mcp_tool_call_seconds",
    "Time to answer a tool call.",
    ["server", "tool"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter("mcp_requests", "JSON-RPC requests by server, method and era.", ["server", "method", "era"])
OPEN_STREAMS = Gauge("mcp_open_streams", "SSE streams open on this process.", ["server", "kind"])
RATE_LIMITED = Counter("mcp_rate_limited", "Requests refused by a rate limit.", ["server", "scope"])

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id(supplied: str | None) -> str:
    """The caller's X-Request-ID when it is sane, else a fresh one."""
    if supplied and _REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex[:16]


def pseudonym(value: str) -> str:
    """A stable, non-reversible stand-in for a principal (a caller's handle) in logs."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


@contextmanager
def stream_open(server: str, kind: str) -> Iterator[None]:
    gauge = OPEN_STREAMS.labels(server, kind)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()
