"""What an unauthenticated client can make the engine keep: validated first, bounded always.

A principal (a tool's sessionId) names a rate-limit counter only once the tool's arguments have
validated it, and then only hashed; `initialize` keeps the capability names and the client's name
and version, never whatever else the client sends, for the day its session lives in the cache.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import pytest
from django.core.cache import cache
from pydantic import Field
from pytest_django.fixtures import Settings

from mcp_engine import MCPServer, sessions
from mcp_engine.ratelimit import limit_for
from mcp_engine.tests.asgi import INITIALIZE, Client, Response, modern_headers, modern_params, rpc, session_headers
from mcp_engine.tools import ToolHints

LIMIT = "1/60"
till = MCPServer(name="till", version="1.0.0", principal_argument="caller", uses_database=False)
plain: ToolHints = {"read_only": True, "destructive": False, "idempotent": True, "open_world": False}


@till.tool(name="balance", title="Balance", **plain)
async def balance(caller: Annotated[str, Field(min_length=1, max_length=64)]) -> str:
    """The caller's balance."""
    return "0.00"


client = Client({"till": till})


async def call(arguments: dict[str, object]) -> Response:
    params = modern_params({"name": "balance", "arguments": arguments})
    return await client.request(
        "POST", "/till", json_body=rpc("tools/call", params), headers=modern_headers("tools/call", params)
    )


def counter_keys() -> list[str]:
    limit = limit_for(LIMIT)
    assert limit is not None
    return list(limit._local)


@pytest.mark.usefixtures("frozen_clock")
async def test_an_oversized_principal_is_refused_before_it_names_a_counter(settings: Settings) -> None:
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = LIMIT
    huge = "x" * 1_000_000
    answers = [await call({"caller": huge}) for _ in range(3)]
    for answer in answers:
        assert answer.status == 200, "validation, never the per-principal limit"
        result = answer.json()["result"]
        assert result["isError"] is True and "caller" in result["content"][0]["text"]
    assert all(len(key) < 200 for key in counter_keys())


@pytest.mark.usefixtures("frozen_clock")
async def test_a_valid_principal_is_counted_under_a_hash(settings: Settings) -> None:
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = LIMIT
    caller = f"caller-{uuid.uuid4().hex}"
    assert [(await call({"caller": caller})).status for _ in range(2)] == [200, 429]
    assert not any(caller in key for key in counter_keys())


async def test_initialize_keeps_only_bounded_capability_names_and_client_info() -> None:
    hoard = {f"cap{index}": {"blob": "y" * 10_000, "nested": {"deep": ["z" * 10_000]}} for index in range(100)}
    params = {
        **INITIALIZE,
        "capabilities": {"sampling": {}, "elicitation": {"form": {}, "url": {}}, **hoard},
        "clientInfo": {"name": "n" * 10_000, "version": "1", "extra": "e" * 100_000},
    }
    answer = await client.request("POST", "/till", json_body=rpc("initialize", params), headers=session_headers(None))
    assert answer.status == 200, answer.body
    stored = await cache.aget(sessions._key(answer.headers["mcp-session-id"]))
    assert len(json.dumps(stored)) < 4096
    assert stored["client_capabilities"]["sampling"] == {}
    assert stored["client_capabilities"]["elicitation"] == {"form": {}, "url": {}}
    assert stored["client_info"] == {"name": "n" * 200, "version": "1"}
