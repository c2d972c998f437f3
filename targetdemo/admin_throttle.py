"""The admin login, throttled: too many failed logins for one username from one address, or from
one address altogether -> 429.

Attempts are counted in the cache (Redis in production, so every worker shares the counts) under
hashed keys, in a window that starts at the first attempt: ADMIN_LOGIN_FAILURES="5/300" allows five
failed logins per five minutes per (username, address) and four times that per address. Once a
count is full, further login POSTs get a 429 page with Retry-After until the window ends; a
successful login gives its attempt back and clears its (username, address) count. No address can
lock out a username for the others. Only POSTs to the admin login view are looked at.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)


# One address may fail this many times the per-username limit in a window, across usernames.
ADDRESS_FACTOR = 4


def _limit() -> tuple[int, int] | None:
    raw = settings.ADMIN_LOGIN_FAILURES
    if raw in {"0", "off"}:
        return None
    count, _, seconds = raw.partition("/")
    return int(count), int(seconds)


def client_address(request: HttpRequest) -> str:
    if settings.MCP_TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(kind: str, value: str) -> str:
    return f"admin-login-failures:{kind}:{hashlib.sha256(value.strip().lower().encode('utf-8', 'replace')).hexdigest()}"


def _reserve(key: str, window: int) -> int:
    """Count one attempt under `key` atomically; the count including it.

    add() starts the window only if no count exists and incr() is one atomic step in the cache
    (Redis INCR), so concurrent attempts each see a different count and at most the limit pass."""
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr: this attempt starts the next one
        cache.add(key, 1, timeout=window)
        return 1


def _release(key: str) -> None:
    # ValueError: the window ended meanwhile, so there is nothing left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


class AdminLoginThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _limit()
        if limit is None or request.method != "POST" or request.path != reverse("admin:login"):
            return self.get_response(request)
        allowed, window = limit
        address = client_address(request)
        username = request.POST.get("username", "")
        # An attempt is counted before its password is checked, so concurrent guesses cannot all
        # pass a check made before any of them failed. The per-username count is per address too:
        # guesses from elsewhere never lock the owner out, and the address's own count (for any
        # username) stops one client from trying many names.
        limits = [(_key("address", address), allowed * ADDRESS_FACTOR)]
        if username:
            limits.append((_key("username-address", f"{username.strip().lower()}\n{address}"), allowed))
        for key, most in limits:
            if _reserve(key, window) > most:
                logger.warning("Admin login throttled after %d failures", most)
                return self.throttled(request, window)
        response = self.get_response(request)
        if response.status_code == 200:  # the login form again, with its errors: a failed login
            return response
        # A successful login (a redirect) or no login tried at all (a CSRF refusal): not a failure.
        _release(limits[0][0])
        if len(limits) > 1:
            cache.delete(limits[1][0])
        return response

    @staticmethod
    def throttled(request: HttpRequest, window: int) -> HttpResponse:
        minutes = max(1, round(window / 60))
        body = render_to_string("admin/login_throttled.html", {"minutes": minutes}, request=request)
        response = HttpResponse(body, status=429)
        response["Retry-After"] = str(window)
        return response
