"""The admin login, throttled: too many failed logins from one address or for one username -> 429.

Failures are counted in the cache (Redis in production, so every worker shares the counts) under
hashed keys, in a window that starts at the first failure: ADMIN_LOGIN_FAILURES="5/300" allows five
failed logins per five minutes per address and per username. Once either count is full, further
login POSTs get a 429 page with Retry-After until the window ends; a successful login clears the
username's count. Only POSTs to the admin login view are looked at.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)


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


class AdminLoginThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _limit()
        if limit is None or request.method != "POST" or request.path != reverse("admin:login"):
            return self.get_response(request)
        allowed, window = limit
        keys = [_key("address", client_address(request))]
        username = request.POST.get("username", "")
        if username:
            keys.append(_key("username", username))
        if any((cache.get(key) or 0) >= allowed for key in keys):
            logger.warning("Admin login throttled after %d failures", allowed)
            return self.throttled(request, window)
        response = self.get_response(request)
        if response.status_code == 200:  # the login form again, with its errors: a failed login
            for key in keys:
                cache.add(key, 0, timeout=window)
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, timeout=window)
        elif response.status_code in {301, 302, 303} and len(keys) > 1:
            cache.delete(keys[1])
        return response

    @staticmethod
    def throttled(request: HttpRequest, window: int) -> HttpResponse:
        minutes = max(1, round(window / 60))
        body = render_to_string("admin/login_throttled.html", {"minutes": minutes}, request=request)
        response = HttpResponse(body, status=429)
        response["Retry-After"] = str(window)
        return response
