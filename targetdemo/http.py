"""The one outbound HTTP seam: every call to another service goes through `get_http_client()`.

One pooled `httpx.AsyncClient` per event loop (a client's connections belong to the loop that
opened them; Daphne runs one loop, tests and management commands may run others). Timeouts are
explicit, so a silent peer can never hold a request open; callers pass a tighter `timeout=` when
their service has its own budget.
"""

from __future__ import annotations

import asyncio
import weakref

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
USER_AGENT = "targetdemo/1.0"

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def get_http_client() -> httpx.AsyncClient:
    """The shared client for the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT,
            limits=LIMITS,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        _clients[loop] = client
    return client
