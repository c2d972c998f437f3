"""PostgreSQL connections stay bounded under concurrent sign-ins on one ASGI worker.

Django serves each synchronous view (the widget callbacks) in a thread of the request's own; with
persistent connections every such thread kept a connection open, and a burst of sign-ins took all
of PostgreSQL's. The app now borrows connections from psycopg's pool (`DATABASE_POOL_MAX_SIZE`)
and returns them at the end of every request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.liveserver import LiveServer, live_server
from tests.personas import LAUREN
from tests.services import POSTGRES_MISSING, fresh_database, postgres_url, with_path

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(postgres_url() is None, reason=POSTGRES_MISSING)]

POOL_SIZE = 4
SERVER_APP = "targetdemo-pool-test-server"
SIGN_INS = 60
CONCURRENCY = 20
# A bound for a hang on a loaded machine, not a timing: every sign-in hashes a password.
ANSWER_SECONDS = 120


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    with (
        fresh_database("pool") as database_url,
        live_server(
            Path(tmp_path_factory.mktemp("pool")),
            DATABASE_URL=database_url,
            DATABASE_POOL_MAX_SIZE=str(POOL_SIZE),
            # Requests queue for a connection rather than fail: this bounds a hang, it is no timing.
            DATABASE_POOL_TIMEOUT=str(ANSWER_SECONDS),
            # libpq names the server's connections, so only they are counted (not an operator's shell).
            PGAPPNAME=SERVER_APP,
            MCP_CONFORMANCE_FIXTURES="0",
        ) as live,
    ):
        yield live, database_url


class PeakConnections:
    """Samples pg_stat_activity for one database from a thread of its own, until stopped."""

    def __init__(self, database_url: str) -> None:
        self.name = database_url.rsplit("/", 1)[1]
        self.admin = with_path(database_url, "/postgres")
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def count(self, connection: psycopg.Connection[tuple[int]]) -> int:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            (self.name, SERVER_APP),
        ).fetchone()
        return int(row[0]) if row else 0

    def sample(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as connection:
            while not self.done.is_set():
                self.peak = max(self.peak, self.count(connection))
                self.done.wait(0.02)
            self.peak = max(self.peak, self.count(connection))


def test_concurrent_sign_ins_on_one_worker_stay_within_the_pool(server: tuple[LiveServer, str]) -> None:
    live, database_url = server
    operator = replace(live, env={**live.env, "PGAPPNAME": "targetdemo-pool-test-operator"})
    handles = operator.run_django(
        "from auth_mcp.models import ShopperSession\n"
        f"result = [ShopperSession.objects.start().handle for _ in range({SIGN_INS})]"
    )

    def sign_in(handle: str) -> tuple[int, int]:
        credentials = {"sessionId": handle, "email": LAUREN.email, "password": LAUREN.password}
        sent = httpx.post(f"{live.url}/api/session/authenticate", json=credentials, timeout=ANSWER_SECONDS)
        if sent.status_code != 200:
            return sent.status_code, 0
        code = {"sessionId": handle, "code": sent.json()["demo_code"]}
        verified = httpx.post(f"{live.url}/api/session/verify", json=code, timeout=ANSWER_SECONDS)
        return sent.status_code, verified.status_code

    peak = PeakConnections(database_url)
    peak.thread.start()
    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            statuses = list(pool.map(sign_in, handles))
    finally:
        peak.done.set()
        peak.thread.join()

    assert statuses == [(200, 200)] * SIGN_INS
    assert peak.peak <= POOL_SIZE, f"{peak.peak} connections for a pool of {POOL_SIZE}"
