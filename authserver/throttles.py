"""Rate limits on the authorization server's doors: the sign-in page, the token and registration endpoints."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerAddressThrottle(SimpleRateThrottle):
    """Requests per client address to one of the authorization server's endpoints (``scope``)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_rate(self) -> str:
        return str(settings.OAUTH_RATE_PER_ADDRESS)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def over_limit(request: Any, scope: str) -> float | None:
    """None if this request may proceed; else the seconds to wait."""
    throttle = PerAddressThrottle(scope)
    if throttle.allow_request(request, None):  # type: ignore[arg-type]  # no view: the scope names the endpoint
        return None
    return throttle.wait() or 1.0
