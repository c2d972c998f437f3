from __future__ import annotations

from types import SimpleNamespace

import pytest
from pytest_django.fixtures import Settings

from conformance_fixtures.tools import server as fixtures_server
from mcp_engine import ratelimit
from mcp_engine.tests.asgi import Client


@pytest.fixture(autouse=True)
def engine_settings(settings: Settings) -> Settings:
    """The engine as the tests in this process see it: this host, no foreign origins, no limits."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.MCP_ALLOWED_ORIGINS = []
    settings.MCP_RATE_LIMIT_PER_ADDRESS = "0"
    settings.MCP_RATE_LIMIT_PER_PRINCIPAL = "0"
    # The project's own observers (analytics) are not the engine's business here.
    settings.MCP_TOOL_CALL_OBSERVERS = []
    return settings


@pytest.fixture
def fixtures_client() -> Client:
    """The conformance fixtures server at /mcp-conformance, in process."""
    return Client({"mcp-conformance": fixtures_server})


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Rate-limit windows see one instant, 30 seconds before a minute ends: a test's requests
    never straddle two windows, and Retry-After is exactly 30."""
    now = 1_800_000_030.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))
    return now
