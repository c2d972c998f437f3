"""Failed admin logins are counted per address and per username; too many -> 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def own_cache(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    # A private local-memory cache: with REDIS_URL set the default cache is shared with live servers.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff() -> None:
    get_user_model().objects.create_superuser("boss", "boss@example.com", "the-right-password-123")


def attempt(username: str, password: str, address: str = "203.0.113.7") -> int:
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password}).status_code


def test_five_failures_from_one_address_lock_it_out_even_with_the_right_password(staff: None) -> None:
    assert [attempt("boss", f"guess-{n}") for n in range(5)] == [200] * 5
    response = Client(REMOTE_ADDR="203.0.113.7").post(LOGIN, {"username": "boss", "password": "the-right-password-123"})
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert b"Too many login attempts" in response.content
    # Another address, another username: not affected.
    assert attempt("someone-else", "x", address="198.51.100.9") == 200


def test_failures_for_one_username_from_many_addresses_lock_the_username(staff: None) -> None:
    for n in range(5):
        assert attempt("BOSS", "wrong", address=f"198.51.100.{n}") == 200
    assert attempt("boss", "the-right-password-123", address="192.0.2.200") == 429


def test_failures_for_many_usernames_from_one_address_lock_the_address(staff: None) -> None:
    for n in range(5):
        assert attempt(f"user{n}", "wrong") == 200
    assert attempt("boss", "the-right-password-123") == 429


def test_a_successful_login_is_not_throttled_and_clears_the_username(staff: None, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(4):
        assert attempt("boss", "wrong", address=f"198.51.100.{n}") == 200
    assert attempt("boss", "the-right-password-123", address="192.0.2.1") == 302
    for n in range(4):
        assert attempt("boss", "wrong", address=f"198.51.100.{10 + n}") == 200


def test_the_throttle_can_be_turned_off(staff: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ADMIN_LOGIN_FAILURES = "0"
    assert [attempt("boss", "wrong") for _ in range(7)] == [200] * 7
