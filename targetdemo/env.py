"""Strict readers for configuration from the environment.

Each helper fails start-up with ImproperlyConfigured naming the variable, so a typo in a
deployment's config vars is reported at boot instead of surfacing as odd behaviour later.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origin_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of origins such as ``https://chatgpt.com``, without paths."""
    origins = env_list(name, default)
    for origin in origins:
        parts = urlsplit(origin)
        if origin == "*" or parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
            raise ImproperlyConfigured(
                f"{name} must list origins like https://chatgpt.com (scheme and host, no path); got {origin!r}."
            )
    return [origin.rstrip("/") for origin in origins]


def env_rate(name: str, default: str) -> str:
    """A rate such as ``100/60`` (requests per seconds), or ``0`` for no limit."""
    raw = env_str(name, default)
    count, _, seconds = raw.partition("/")
    if raw in {"0", "off"} or (count.isdigit() and int(count) > 0 and seconds.isdigit() and int(seconds) > 0):
        return raw
    raise ImproperlyConfigured(f"{name} must look like 100/60 (requests per seconds) or 0 for no limit; got {raw!r}.")


def env_url(name: str, default: str) -> str:
    raw = env_str(name, default)
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL; got {raw!r}.")
    return raw.rstrip("/")


def database_from_url(name: str) -> dict[str, object] | None:
    """Django DATABASES['default'] from a ``postgres://user:pass@host:port/db`` URL, or None if unset."""
    raw = env_str(name)
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"} or not parts.path.strip("/"):
        raise ImproperlyConfigured(
            f"{name} must look like postgres://user:password@host:5432/dbname; got scheme {parts.scheme!r}."
        )
    options: dict[str, object] = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # Under ASGI each synchronous view runs in a thread of its own request, and a persistent
    # connection stays with its thread: a burst of requests held every connection PostgreSQL had.
    # So connections come from psycopg's pool (bounded per process) and go back to it at the end of
    # every request (CONN_MAX_AGE 0); a request waits up to `timeout` seconds for a free one.
    options["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10, minimum=1),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
    }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,
        "OPTIONS": options,
    }


def redis_url(name: str) -> str:
    raw = env_str(name)
    if raw and urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name} must look like redis://host:6379/0; got {raw!r}.")
    return raw
