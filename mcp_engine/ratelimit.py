"""Fixed-window rate limits shared by every server process through the cache.

With Redis configured the counter is one pipelined INCR+EXPIRE on the asyncio client; with the
local-memory cache it is an in-process increment, which never blocks. Either way the hot path
takes no thread hop.
"""

from __future__ import annotations

import time
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache


class RateLimit:
    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = window_seconds

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
        counter = f"ratelimit:{key}:{window}"
        redis = _redis()
        if redis is not None:
            async with redis.pipeline(transaction=False) as pipe:
                count, _ = await pipe.incr(counter).expire(counter, self.window + 1).execute()
        else:
            cache.add(counter, 0, timeout=self.window + 1)
            count = cache.incr(counter)
        if count <= self.limit:
            return 0
        return max(1, int((window + 1) * self.window - now + 0.999))


@memoize
def _redis():  # type: ignore[no-untyped-def]
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(url)
