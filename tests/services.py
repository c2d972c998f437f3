"""Find the machine's Redis and PostgreSQL for the tests that are about them.

Such tests use the real services; where a service is absent they are skipped with the reason.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    return url if reachable(url, 6379) else None


REDIS_MISSING = "no Redis answers at REDIS_URL or 127.0.0.1:6379; start redis-server to run it"


DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str | None:
    """The machine's PostgreSQL server (DATABASE_URL's when it names one), if it answers."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_POSTGRES_URL
    return url if reachable(url, 5432) else None


POSTGRES_MISSING = "no PostgreSQL answers at DATABASE_URL or 127.0.0.1:5432; start it (scripts/services.sh) to run it"
