"""Fixed-window rate limits shared by every server process.

With Redis configured the counter is one pipelined INCR+EXPIRE on its asyncio client, shared by
all processes. Without Redis the app runs as one process whose cache is its own memory anyway, so
the counter is a dict here. Either way the hot path takes no thread hop.
"""

from __future__ import annotations

import logging
import time
from functools import cache as memoize
from typing import Any

from mcp_engine.conf import mcp_settings
from mcp_engine.errors import unavailable_errors

logger = logging.getLogger("mcp_engine")
# A counter store that does not answer within this long counts as down.
REDIS_TIMEOUT_SECONDS = 2.0


class RateLimit:
    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = window_seconds
        self._local: dict[str, int] = {}
        self._local_window = 0

    @classmethod
    def parse(cls, spec: str) -> RateLimit | None:
        """``"100/60"`` is 100 requests a minute; ``"0"`` turns the limit off."""
        if spec.strip() in {"", "0", "off"}:
            return None
        count, _, seconds = spec.partition("/")
        return cls(int(count), int(seconds or 60))

    async def hit(self, key: str) -> int:
        """Count one request; 0 if it may proceed, else the seconds until the window resets."""
        now = time.time()
        window = int(now // self.window)
        redis = _redis()
        if redis is not None:
            counter = f"ratelimit:{key}:{window}"
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    count, _ = await pipe.incr(counter).expire(counter, self.window + 1).execute()
            except unavailable_errors() as exc:
                # Fail open: a limiter whose store is down must not take the whole service down with
                # it; the requests that need Redis themselves fail fast with 503.
                logger.warning("rate-limit store unreachable, request let through: %s", type(exc).__name__)
                return 0
        else:
            count = self._count_locally(key, window)
        if count <= self.limit:
            return 0
        return max(1, int((window + 1) * self.window - now + 0.999))

    def _count_locally(self, key: str, window: int) -> int:
        if window != self._local_window:
            self._local.clear()  # a new window: the old one's counters are done with
            self._local_window = window
        count = self._local.get(key, 0) + 1
        self._local[key] = count
        return count


@memoize
def limit_for(spec: str) -> RateLimit | None:
    """The one limit of this spec in this process (its local counters live on it)."""
    return RateLimit.parse(spec)


@memoize
def _redis() -> Any:
    url = mcp_settings.REDIS_URL
    if not url:
        return None
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    # No retries with back-off: when Redis is down the request must learn it at once, not in seconds.
    return Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
