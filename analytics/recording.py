"""Server-side recording of tool calls, kept off the request path.

The engine hands every finished tool call to `record_tool_call` (MCP_TOOL_CALL_OBSERVERS). It only
appends a row to this process's buffer; one bulk insert writes the buffer when it holds a batch or
ANALYTICS_FLUSH_MS after its first row, whichever comes first. So a tool call costs a list append,
and the database sees one insert per batch. A process killed outright loses at most that window.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from django.conf import settings

from analytics.models import ToolCall
from analytics.shoppers import shopper_key
from mcp_engine.observability import ToolCallRecord

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

_pending: list[ToolCall] = []
_timer: asyncio.TimerHandle | None = None
_timer_loop: asyncio.AbstractEventLoop | None = None
_writes: set[asyncio.Task[None]] = set()


def record_tool_call(record: ToolCallRecord) -> None:
    """The engine's observer: buffer the call, schedule its write. Never touches the database."""
    _pending.append(
        ToolCall(
            shopper=shopper_key(record.principal) if record.principal else "",
            server=record.server,
            tool=record.tool,
            outcome=record.outcome,
            duration_ms=round(record.duration_ms, 3),
            occurred_at=datetime.fromtimestamp(record.at, tz=UTC),
        )
    )
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        write_pending()
        return
    global _timer, _timer_loop
    if len(_pending) >= BATCH_SIZE:
        _start_write(loop)
    elif _timer is None or _timer_loop is not loop:
        # (A timer of another, closed, loop would never fire.)
        _timer = loop.call_later(settings.ANALYTICS_FLUSH_MS / 1000, _start_write, loop)
        _timer_loop = loop


def _take() -> list[ToolCall]:
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None
    batch = _pending[:]
    _pending.clear()
    return batch


def _start_write(loop: asyncio.AbstractEventLoop) -> None:
    batch = _take()
    if batch:
        task = loop.create_task(_write(batch))
        _writes.add(task)
        task.add_done_callback(_writes.discard)


async def _write(batch: list[ToolCall]) -> None:
    try:
        await database_sync_to_async(ToolCall.objects.bulk_create)(batch)
    except Exception:
        logger.exception("could not record tool calls", extra={"dropped": len(batch)})


def write_pending() -> int:
    """Write the buffer now, from synchronous code (shutdown, commands); the number of rows written."""
    batch = _take()
    if batch:
        ToolCall.objects.bulk_create(batch)
    return len(batch)


async def flushed() -> None:
    """Write the buffer now and wait for every write under way: tests and benchmarks read after it."""
    batch = _take()
    if batch:
        await _write(batch)
    if _writes:
        await asyncio.gather(*_writes)


@atexit.register
def _write_on_exit() -> None:
    try:
        write_pending()
    except Exception:
        logger.exception("could not record tool calls at exit")
