from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from auth_mcp import services
from auth_mcp.models import Shopper, ShopperSession
from auth_mcp.tests.conftest import Clock
from tests.personas import LAUREN, MARCUS

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

URL = "/api/session/verify"


def post(api: APIClient, **body: object) -> _MonkeyPatchedResponse:
    return api.post(URL, body, format="json")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def marcus_code(session: ShopperSession, marcus_shopper: Shopper) -> str:
    return services.start_sign_in(session, marcus_shopper.email, MARCUS.password).code


def test_lauren_signs_in_through_both_callbacks(
    settings: Settings, api: APIClient, session: ShopperSession, lauren_shopper: Shopper
) -> None:
    settings.DEMO_MODE = True
    sent = api.post(
        "/api/session/authenticate",
        {"sessionId": session.handle, "email": "Lauren@Example.com", "password": LAUREN.password},
        format="json",
    )
    response = post(api, sessionId=session.handle, code=sent.json()["demo_code"])
    assert response.status_code == 200
    assert response.json() == {
        "sessionId": session.handle,
        "authenticated": True,
        "name": "Lauren Bailey",
        "email": "lauren@example.com",
    }


def test_it_rejects_a_wrong_code_and_says_how_many_tries_are_left(
    api: APIClient, session: ShopperSession, marcus_code: str
) -> None:
    response = post(api, sessionId=session.handle, code=wrong(marcus_code))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_code",
        "message": "That code isn't right. 4 tries left.",
        "field": "code",
    }


def test_it_rejects_the_right_code_after_five_wrong_ones(
    api: APIClient, session: ShopperSession, marcus_code: str
) -> None:
    statuses = [post(api, sessionId=session.handle, code=wrong(marcus_code)).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 403]
    response = post(api, sessionId=session.handle, code=marcus_code)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "too_many_attempts"


def test_it_rejects_an_expired_code(clock: Clock, api: APIClient, session: ShopperSession, marcus_code: str) -> None:
    clock.advance(minutes=5, seconds=1)
    response = post(api, sessionId=session.handle, code=marcus_code)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "code_expired"


def test_it_rejects_a_code_when_none_was_sent(api: APIClient, session: ShopperSession) -> None:
    response = post(api, sessionId=session.handle, code="123456")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_code_pending"


def test_it_rejects_an_unknown_session(api: APIClient) -> None:
    response = post(api, sessionId="sess_" + "Q" * 32, code="123456")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"


def test_it_rejects_an_expired_session(clock: Clock, api: APIClient, session: ShopperSession, marcus_code: str) -> None:
    clock.advance(minutes=10)
    response = post(api, sessionId=session.handle, code=marcus_code)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "session_expired"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", " "])
def test_it_rejects_a_code_that_is_not_six_digits(api: APIClient, session: ShopperSession, code: str) -> None:
    response = post(api, sessionId=session.handle, code=code)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "code"


def test_it_throttles_guessing_per_session(
    settings: Settings, api: APIClient, session: ShopperSession, marcus_code: str
) -> None:
    settings.SIGN_IN_RATE_PER_SESSION = "2/min"
    statuses = [post(api, sessionId=session.handle, code=wrong(marcus_code)).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
