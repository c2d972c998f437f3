"""Handshake-era sessions (2024-11-05 SSE and 2025 Streamable HTTP), kept in the Django cache.

Any server process finds any session there, so clients need no sticky routing. Process memory
never holds session state; it only holds the streams that are open on this process.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache

from mcp_engine.conf import mcp_settings

STREAMABLE = "streamable-http"
SSE = "sse"


def _key(session_id: str) -> str:
    return f"mcp:session:{session_id}"


def group_for_session(session_id: str) -> str:
    """The channel-layer group of the streams that deliver this session's server messages."""
    return f"mcp-session.{session_id}"


def group_for_server(server_name: str) -> str:
    """Streams that want this server's list-changed notifications."""
    return f"mcp-server.{server_name}"


@dataclass
class LegacySession:
    id: str
    server: str
    transport: str
    protocol_version: str | None = None
    client_capabilities: dict[str, Any] = field(default_factory=dict)
    client_info: dict[str, Any] = field(default_factory=dict)
    log_level: str | None = None
    touched: float = field(default_factory=time.time)

    async def save(self) -> None:
        self.touched = time.time()
        await cache.aset(_key(self.id), asdict(self), timeout=mcp_settings.MCP_SESSION_TTL_SECONDS)


def new_session_id() -> str:
    # 128 bits from the OS CSPRNG, as visible ASCII (hex) per the Streamable HTTP spec.
    return secrets.token_hex(16)


async def start(server: str, transport: str, **fields: Any) -> LegacySession:
    session = LegacySession(id=new_session_id(), server=server, transport=transport, **fields)
    await session.save()
    return session


async def find(session_id: str, server: str) -> LegacySession | None:
    """The live session with this id on this server, or None (unknown, ended or another server's)."""
    if not (0 < len(session_id) <= 64 and session_id.isascii() and session_id.isalnum()):
        return None
    stored = await cache.aget(_key(session_id))
    if not stored or stored.get("server") != server:
        return None
    session = LegacySession(**stored)
    # Sliding expiry without a cache write on every request: refresh once half the TTL has gone.
    if time.time() - session.touched > mcp_settings.MCP_SESSION_TTL_SECONDS / 2:
        await session.save()
    return session


async def end(session_id: str) -> None:
    await cache.adelete(_key(session_id))
