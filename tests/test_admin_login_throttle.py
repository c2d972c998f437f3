"""Failed admin logins are counted per (username, address) and per address; too many -> 429 with
Retry-After. Each attempt is counted before its password is checked, so concurrent guesses cannot
all pass, and guesses from other addresses never lock the owner out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from targetdemo.admin_throttle import ADDRESS_FACTOR
from tests.liveserver import LiveServer, live_server

LOGIN = "/admin/login/"
LIMIT = 5


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


@pytest.mark.django_db
def test_five_failures_for_a_username_from_one_address_lock_that_pair_out_even_with_the_right_password(
    staff: None,
) -> None:
    assert [attempt("boss", f"guess-{n}") for n in range(5)] == [200] * 5
    response = Client(REMOTE_ADDR="203.0.113.7").post(LOGIN, {"username": "boss", "password": "the-right-password-123"})
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert b"Too many login attempts" in response.content
    # Another address, another username: not affected.
    assert attempt("someone-else", "x", address="198.51.100.9") == 200


@pytest.mark.django_db
def test_failures_for_the_username_from_other_addresses_never_lock_the_owner_out(staff: None) -> None:
    for address in range(5):
        assert [attempt("BOSS", "wrong", address=f"198.51.100.{address}") for _ in range(6)] == [200] * 5 + [429]
    assert attempt("boss", "the-right-password-123", address="192.0.2.200") == 302


@pytest.mark.django_db
def test_failures_for_many_usernames_from_one_address_lock_the_address(staff: None) -> None:
    for n in range(LIMIT * ADDRESS_FACTOR):
        assert attempt(f"user{n}", "wrong") == 200
    assert attempt("boss", "the-right-password-123") == 429


@pytest.mark.django_db
def test_a_successful_login_is_not_throttled_and_clears_the_username(staff: None, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(4):
        assert attempt("boss", "wrong", address=f"198.51.100.{n}") == 200
    assert attempt("boss", "the-right-password-123", address="192.0.2.1") == 302
    for n in range(4):
        assert attempt("boss", "wrong", address=f"198.51.100.{10 + n}") == 200


@pytest.mark.django_db
def test_the_throttle_can_be_turned_off(staff: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ADMIN_LOGIN_FAILURES = "0"
    assert [attempt("boss", "wrong") for _ in range(7)] == [200] * 7


# -- concurrent guesses against a live server ---------------------------------------------------------

OWNER, OWNER_PASSWORD = "owner", "the-owners-password-456"
GUESSES = 30


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Each test says which address it comes from, as a proxy's X-Forwarded-For does.
    with live_server(Path(tmp_path_factory.mktemp("admin")), MCP_TRUST_X_FORWARDED_FOR="1") as live:
        live.run_django(
            "from django.contrib.auth import get_user_model\n"
            f"get_user_model().objects.create_superuser({OWNER!r}, 'owner@example.com', {OWNER_PASSWORD!r})"
        )
        yield live


def login_form(http: httpx.Client) -> str:
    page = http.get(LOGIN)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def live_attempt(live: LiveServer, password: str, address: str) -> int:
    headers = {"X-Forwarded-For": address}
    with httpx.Client(base_url=live.url, headers=headers, timeout=120) as http:
        token = login_form(http)
        body = {"username": OWNER, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
        return http.post(LOGIN, data=body, headers={"Referer": f"{live.url}{LOGIN}"}).status_code


def test_concurrent_wrong_passwords_are_tried_at_most_the_limit(admin_server: LiveServer) -> None:
    with ThreadPoolExecutor(GUESSES) as pool:
        statuses = list(pool.map(lambda n: live_attempt(admin_server, f"guess-{n}", "203.0.113.50"), range(GUESSES)))
    assert statuses.count(200) <= LIMIT, statuses
    assert set(statuses) <= {200, 429}
    assert live_attempt(admin_server, OWNER_PASSWORD, "198.51.100.77") == 302, "the owner, from elsewhere, signs in"
