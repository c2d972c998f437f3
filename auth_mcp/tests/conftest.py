from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auth_mcp.models import Shopper, ShopperSession
from tests.personas import LAUREN, MARCUS
from tests.services import clear_cache


class Clock:
    """Stands in for django.utils.timezone.now, so expiry is tested by moving time, not by sleeping."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    moving = Clock(timezone.now())
    with patch("django.utils.timezone.now", moving):
        yield moving


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # New passwords hash quickly; Lauren's migrated PBKDF2 hash still verifies.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    clear_cache()  # throttle counters live in the cache
    yield
    clear_cache()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def lauren_shopper(db: None) -> Shopper:
    return LAUREN.shopper()


@pytest.fixture
def marcus_shopper(db: None) -> Shopper:
    return MARCUS.create()


@pytest.fixture
def session(db: None) -> ShopperSession:
    return ShopperSession.objects.start()
