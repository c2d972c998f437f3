"""The machine's Redis and PostgreSQL for the tests that are about them, kept apart per run.

Such tests use the real services; where a service is absent they are skipped with the reason.
Another checkout may run the suite against the same services at the same time, so a run never
uses a fixed name there: its PostgreSQL databases are named after RUN and dropped at the end, and
its Redis keys start with KEY_PREFIX and are deleted at the end. Nothing here flushes a database.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from django.core.cache import cache
from psycopg import sql

# Lower case, digits and underscores: usable in a database name as it is.
RUN = f"{os.getpid()}_{secrets.token_hex(3)}"
KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or f"targetdemo-test-{RUN}"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
REDIS_MISSING = "no Redis answers at REDIS_URL or 127.0.0.1:6379; start redis-server to run it"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_MISSING = "no PostgreSQL answers at DATABASE_URL or 127.0.0.1:5432; start it (scripts/services.sh) to run it"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    return url if reachable(url, 6379) else None


def postgres_url() -> str | None:
    """The machine's PostgreSQL server (DATABASE_URL's when it names one), if it answers."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_POSTGRES_URL
    return url if reachable(url, 5432) else None


@contextmanager
def fresh_database(purpose: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this run's own, dropped when the block ends."""
    server = postgres_url()
    assert server is not None, POSTGRES_MISSING
    name = f"targetdemo_{purpose}_{RUN}"
    with psycopg.connect(with_path(server, "/postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield with_path(server, f"/{name}")
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def forget_keys() -> None:
    """Delete this run's keys from the Redis databases it used; other runs' keys stay."""
    for url in {os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, DEFAULT_REDIS_URL}:
        if url.startswith("redis") and reachable(url, 6379):
            with redis.Redis.from_url(url) as client:
                for batch in _batches(client.scan_iter(match=f"{KEY_PREFIX}*", count=1000)):
                    client.delete(*batch)


def _batches(keys: Iterator[bytes], size: int = 500) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def clear_cache() -> None:
    """Empty the test process's cache. On Redis only this run's keys go: `cache.clear()` would
    flush a database that other runs and this run's live servers share."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


REDIS_SERVER_MISSING = "no redis-server on PATH; install Redis to run it"
# Bounds a wait for a private server to start or stop; not a timing.
SERVICE_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server of a test's own on a port of its own, that the test stops and starts again
    (the machine's shared Redis is never touched). Nothing is persisted."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait(up=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=SERVICE_SECONDS)
        self.process = None
        self._wait(up=False)

    def _wait(self, *, up: bool) -> None:
        deadline = time.monotonic() + SERVICE_SECONDS
        while reachable(self.url, self.port) != up:
            assert time.monotonic() < deadline, f"redis-server on {self.port} did not {'start' if up else 'stop'}"
            time.sleep(0.05)


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    """A started PrivateRedis, stopped at the end of the block whatever state it is in."""
    assert shutil.which("redis-server"), REDIS_SERVER_MISSING
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
