"""What a tool sees of the request it serves: who is calling, and how to talk back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mcp_engine.errors import MISSING_REQUIRED_CLIENT_CAPABILITY, MCPError

if TYPE_CHECKING:
    from mcp_engine.auth import Principal

LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")

Emit = Callable[[dict[str, Any]], Awaitable[None]]
Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Context:
    """Per-request state handed to tools that declare a ``ctx: Context`` parameter."""

    __slots__ = (
        "_ask",
        "_emit",
        "client_capabilities",
        "client_info",
        "input_responses",
        "log_level",
        "modern",
        "mount",
        "principal",
        "progress_token",
        "protocol_version",
        "request_id",
        "request_state",
        "server",
        "session_id",
        "trace_id",
    )

    def __init__(
        self,
        *,
        server: Any,
        modern: bool,
        protocol_version: str,
        client_capabilities: dict[str, Any] | None = None,
        client_info: dict[str, Any] | None = None,
        log_level: str | None = None,
        progress_token: str | int | None = None,
        request_id: str | int | None = None,
        session_id: str | None = None,
        input_responses: dict[str, Any] | None = None,
        request_state: str | None = None,
        trace_id: str = "",
        mount: str = "",
        principal: Principal | None = None,
        emit: Emit | None = None,
        ask: Ask | None = None,
    ) -> None:
        self.server = server
        self.modern = modern
        self.protocol_version = protocol_version
        self.client_capabilities = client_capabilities or {}
        self.client_info = client_info or {}
        self.log_level = log_level
        self.progress_token = progress_token
        self.request_id = request_id
        self.session_id = session_id
        self.input_responses = input_responses
        self.request_state = request_state
        self.trace_id = trace_id
        # The path the request came in on, and who its bearer token stands for (mcp_engine.auth).
        self.mount = mount
        self.principal = principal
        self._emit = emit
        self._ask = ask

    def supports(self, capability: str) -> bool:
        return capability in self.client_capabilities

    def require(self, *capabilities: str) -> None:
        missing = [name for name in capabilities if not self.supports(name)]
        if missing:
            raise MCPError(
                MISSING_REQUIRED_CLIENT_CAPABILITY,
                f"This request needs the client capabilities: {', '.join(missing)}.",
                {"requiredCapabilities": {name: {} for name in missing}},
            )

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        if self._emit is not None:
            await self._emit({"jsonrpc": "2.0", "method": method, "params": params})

    async def log(self, level: str, data: Any, logger: str | None = None) -> None:
        """Send ``notifications/message`` if the client asked for logs at this level."""
        threshold = self.log_level
        # 2026-07-28: no logLevel in the request means no log notifications at all.
        if threshold is None and self.modern:
            return
        if threshold is not None and LOG_LEVELS.index(level) < LOG_LEVELS.index(threshold):
            return
        params: dict[str, Any] = {"level": level, "data": data}
        if logger:
            params["logger"] = logger
        await self.notify("notifications/message", params)

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if self.progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        await self.notify("notifications/progress", params)

    async def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a server-to-client request (sampling, elicitation) and wait for the answer.

        Only handshake-era sessions have a back channel; 2026-07-28 tools use InputRequired.
        """
        if self._ask is None:
            raise MCPError(
                MISSING_REQUIRED_CLIENT_CAPABILITY,
                f"{method} needs a session with a back channel; use a handshake-era connection.",
            )
        return await self._ask(method, params)
