from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


class AuthMCPConfig(AppConfig):
    name = "auth_mcp"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        checks.register(check_sign_in_settings, checks.Tags.security)
        from auth_mcp import metrics

        metrics.register()


def _is_rate(value: str) -> bool:
    count, _, period = value.partition("/")
    return count.isdigit() and int(count) > 0 and period in RATE_PERIODS


def check_sign_in_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for name in ("SIGN_IN_RATE_PER_SESSION", "SIGN_IN_RATE_PER_EMAIL"):
        value = getattr(settings, name)
        if not _is_rate(value):
            problems.append(
                checks.Error(
                    f"{name} is {value!r}, which is not a throttle rate.",
                    hint='Use "<count>/<sec|min|hour|day>", e.g. "10/min".',
                    id="auth_mcp.E001",
                )
            )
    token = settings.DEMO_RESET_TOKEN
    if token and len(token) < 32:
        problems.append(
            checks.Warning(
                "DEMO_RESET_TOKEN is shorter than 32 characters, so it can be guessed.",
                hint='Generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="auth_mcp.W001",
            )
        )
    if settings.DEMO_MODE and not settings.DEBUG:
        problems.append(
            checks.Warning(
                "DEMO_MODE is on with DEBUG off: sign-in responses include the one-time code.",
                hint="Set DEMO_MODE=0 unless this deployment is only for presenting the demo.",
                id="auth_mcp.W002",
            )
        )
    return problems
