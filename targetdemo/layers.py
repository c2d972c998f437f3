"""The embedded channel layer, fit for thousands of open streams in one process."""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    """Channels' in-memory layer, sweeping expired messages at most once a second.

    The stock layer sweeps every channel and group member on each receive and group send, so
    opening N streams costs O(N²): past a few thousand streams, opening one took seconds.
    """

    sweep_interval_seconds = 1.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep >= self.sweep_interval_seconds:
            self._last_sweep = now
            super()._clean_expired()
