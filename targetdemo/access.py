"""One JSON access-log line per HTTP exchange, under the request id its response carries.

The id (the caller's ``X-Request-ID`` when sane, else a new one) is settled here and handed on
in the scope's headers, so the MCP consumers and their tool-call log lines use the same one. It
replaces the ASGI server's plain-text access log: run daphne with ``-v 0`` and uvicorn with
``--no-access-log``, and every line the app writes is JSON.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from mcp_engine.observability import request_id

logger = logging.getLogger("targetdemo.access")

REQUEST_ID = b"x-request-id"
CLIENT_CLOSED = 499  # nginx's code for "the client left before the answer"


class AccessLog:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = [(name, value) for name, value in scope["headers"] if name != REQUEST_ID]
        incoming = next((value for name, value in scope["headers"] if name == REQUEST_ID), None)
        rid = request_id(incoming.decode("latin-1") if incoming else None)
        scope = {**scope, "headers": [*headers, (REQUEST_ID, rid.encode())]}
        status = CLIENT_CLOSED

        async def observe(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
                if not any(name.lower() == REQUEST_ID for name, _ in response_headers):
                    message = {**message, "headers": [*response_headers, (REQUEST_ID, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
