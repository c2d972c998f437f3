"""What the engine reports about itself: Prometheus metrics and one log line per tool call."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from django.utils.module_loading import import_string
from prometheus_client import Counter, Gauge, Histogram

from mcp_engine.conf import mcp_settings

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


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """What observers learn of one tool call. `principal` is the raw caller handle: hash it before
    keeping it."""

    server: str
    tool: str
    outcome: str
    duration_ms: float
    principal: str | None
    session_id: str | None
    at: float


ToolCallObserver = Callable[[ToolCallRecord], None]


@lru_cache(maxsize=8)
def _observers(paths: tuple[str, ...]) -> tuple[ToolCallObserver, ...]:
    return tuple(import_string(path) for path in paths)


def notify_tool_call(record: ToolCallRecord) -> None:
    """Hand `record` to every MCP_TOOL_CALL_OBSERVERS callable; a failing one is logged, never raised."""
    paths = tuple(mcp_settings.MCP_TOOL_CALL_OBSERVERS)
    if not paths:
        return
    for observer in _observers(paths):
        try:
            observer(record)
        except Exception:
            logger.exception("tool call observer failed", extra={"observer": getattr(observer, "__name__", "?")})
