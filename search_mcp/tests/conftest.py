"""Live servers for the search tests: the shared local-catalog one, and Unwrangle-backed ones.

Unwrangle-backed servers talk to a loopback Unwrangle peer through UNWRANGLE_BASE_URL, with short
timeouts so the failure paths stay fast. Shoppers and signed-in sessions are written into a live
server's SQLite file by `manage.py shell`, as an operator would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_mcp.tests.unwrangle_peer import UnwranglePeer, running_peer
from tests.liveserver import ROOT, LiveServer, live_server, migrate, server_env

API_KEY = "uw-test-key-7f3a9c2e51b84d06"
UNWRANGLE_ENV = {
    "UNWRANGLE_API_KEY": API_KEY,
    "UNWRANGLE_TIMEOUT_MS": "400",
    "UNWRANGLE_RETRY_BACKOFF_MS": "50",
    # DEBUG logging everywhere, to prove the key stays out of even the chattiest log.
    "LOG_LEVEL": "DEBUG",
}

SIGN_IN_SCRIPT = """
import json
from datetime import timedelta
from django.utils import timezone
from auth_mcp.models import Shopper, ShopperSession
from auth_mcp.tests.personas import MARCUS_EMAIL, lauren, marcus
shoppers = {"lauren": lauren(), "marcus": Shopper.objects.filter(email=MARCUS_EMAIL).first() or marcus()}
handles = {}
for name, shopper in shoppers.items():
    session = ShopperSession.objects.create(
        state="signed_in", shopper=shopper, expires_at=timezone.now() + timedelta(hours=1)
    )
    handles[name] = session.handle
handles["anonymous"] = ShopperSession.objects.start().handle
print("HANDLES" + json.dumps(handles))
"""


def sign_in_shoppers(server: LiveServer) -> dict[str, str]:
    """Signed-in session handles for Lauren and Marcus (created if missing), and an anonymous one."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", SIGN_IN_SCRIPT],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("HANDLES"))
    handles: dict[str, str] = json.loads(line.removeprefix("HANDLES"))
    return handles


@pytest.fixture(scope="module")
def peer() -> Iterator[UnwranglePeer]:
    with running_peer() as running:
        running.api_key = API_KEY
        yield running


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """One migrated SQLite file that each Unwrangle-backed server starts from a copy of.

    None when DATABASE_URL names a shared PostgreSQL database, which is migrated once here.
    """
    directory = tmp_path_factory.mktemp("migrated")
    env = server_env(directory)
    migrate(env)
    return Path(env["SQLITE_PATH"]) if "SQLITE_PATH" in env else None


def unwrangle_server(database: Path | None, directory: Path, peer: UnwranglePeer, **env: str) -> Iterator[LiveServer]:
    if database is not None:
        shutil.copy(database, directory / "live.sqlite3")
    # Its own cache namespace, so searches cached by another server (Redis is shared) don't
    # hide the upstream calls a test counts.
    namespace = {"CACHE_KEY_PREFIX": f"td-{directory.name}"}
    with live_server(
        directory, migrated=True, UNWRANGLE_BASE_URL=peer.base_url, **UNWRANGLE_ENV, **namespace, **env
    ) as server:
        yield server


@pytest.fixture(scope="module")
def unwrangle_live(
    peer: UnwranglePeer, migrated_database: Path | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from unwrangle_server(migrated_database, tmp_path_factory.mktemp("unwrangle"), peer)


@pytest.fixture(scope="module")
def uncached_unwrangle_live(
    peer: UnwranglePeer, migrated_database: Path | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """No fresh cache: every search goes upstream, so the stale copy is what stands in when it fails."""
    directory = tmp_path_factory.mktemp("unwrangle-uncached")
    yield from unwrangle_server(migrated_database, directory, peer, SEARCH_CACHE_SECONDS="0")


@pytest.fixture
def fresh_peer(peer: UnwranglePeer) -> UnwranglePeer:
    peer.reset()
    peer.api_key = API_KEY
    return peer
