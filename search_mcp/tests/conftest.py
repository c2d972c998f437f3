"""Unwrangle-backed live servers for the search tests (the local-catalog ones use the suite's `live`).

They talk to a loopback Unwrangle peer through UNWRANGLE_BASE_URL, with short timeouts so the
failure paths stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search_mcp.tests.unwrangle_peer import UnwranglePeer, running_peer
from tests.liveserver import LiveServer, live_server
from tests.services import KEY_PREFIX

API_KEY = "uw-test-key-7f3a9c2e51b84d06"
UNWRANGLE_ENV = {
    "UNWRANGLE_API_KEY": API_KEY,
    # Short, so the failure paths stay quick, yet well past what a loaded machine takes to answer
    # on loopback; the peer holds a TIMEOUT request for 3 s.
    "UNWRANGLE_TIMEOUT_MS": "1500",
    "UNWRANGLE_RETRY_BACKOFF_MS": "50",
    # DEBUG logging everywhere, to prove the key stays out of even the chattiest log.
    "LOG_LEVEL": "DEBUG",
}


@pytest.fixture(scope="module")
def peer() -> Iterator[UnwranglePeer]:
    with running_peer() as running:
        running.api_key = API_KEY
        yield running


def unwrangle_server(directory: Path, peer: UnwranglePeer, **env: str) -> Iterator[LiveServer]:
    # Its own cache namespace, so searches cached by another server (Redis is shared) don't
    # hide the upstream calls a test counts.
    namespace = {"CACHE_KEY_PREFIX": f"{KEY_PREFIX}-{directory.name}"}
    with live_server(directory, {**UNWRANGLE_ENV, **namespace, **env}, UNWRANGLE_BASE_URL=peer.base_url) as server:
        yield server


@pytest.fixture(scope="module")
def unwrangle_live(peer: UnwranglePeer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from unwrangle_server(tmp_path_factory.mktemp("unwrangle"), peer)


@pytest.fixture(scope="module")
def uncached_unwrangle_live(peer: UnwranglePeer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """No fresh cache: every search goes upstream, so the stale copy is what stands in when it fails."""
    directory = tmp_path_factory.mktemp("unwrangle-uncached")
    yield from unwrangle_server(directory, peer, SEARCH_CACHE_SECONDS="0")


@pytest.fixture
def fresh_peer(peer: UnwranglePeer) -> UnwranglePeer:
    peer.reset()
    peer.api_key = API_KEY
    return peer
