from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher
from django.db import connection
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from auth_mcp.models import Shopper, ShopperSession, SmsOutbox
from auth_mcp.tests.conftest import Clock
from tests.personas import LAUREN, MARCUS

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

URL = "/api/session/authenticate"


def post(api: APIClient, **body: object) -> _MonkeyPatchedResponse:
    return api.post(URL, body, format="json")


def test_it_texts_lauren_a_code_and_hints_it_in_demo_mode(
    settings: Settings, api: APIClient, session: ShopperSession, lauren_shopper: Shopper
) -> None:
    settings.DEMO_MODE = True
    response = post(api, sessionId=session.handle, email="lauren@example.com", password=LAUREN.password)
    assert response.status_code == 200
    body = response.json()
    assert body["sessionId"] == session.handle
    assert body["state"] == "code_sent"
    assert body["sentTo"] == "phone ending 0142"
    assert len(body["demo_code"]) == 6 and body["demo_code"] in SmsOutbox.objects.get().body
    assert "password" not in str(body)


def test_it_keeps_the_code_out_of_the_response_outside_demo_mode(
    settings: Settings, api: APIClient, session: ShopperSession, marcus_shopper: Shopper
) -> None:
    settings.DEMO_MODE = False
    response = post(api, sessionId=session.handle, email=marcus_shopper.email, password=MARCUS.password)
    assert response.status_code == 200
    assert "demo_code" not in response.json()


def test_it_needs_no_csrf_token_or_cookie(session: ShopperSession, marcus_shopper: Shopper) -> None:
    strict = APIClient(enforce_csrf_checks=True)
    response = post(strict, sessionId=session.handle, email=marcus_shopper.email, password=MARCUS.password)
    assert response.status_code == 200
    assert not response.cookies


def test_it_rejects_a_wrong_password(api: APIClient, session: ShopperSession, marcus_shopper: Shopper) -> None:
    response = post(api, sessionId=session.handle, email=marcus_shopper.email, password="nope-nope")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "invalid_credentials",
        "message": "That email and password don't match a Target account.",
        "field": "password",
    }


def test_it_rejects_an_unknown_email(api: APIClient, session: ShopperSession) -> None:
    response = post(api, sessionId=session.handle, email="who@example.com", password="whatever")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_it_rejects_an_unknown_session(api: APIClient, marcus_shopper: Shopper) -> None:
    response = post(api, sessionId="sess_" + "Z" * 32, email=marcus_shopper.email, password=MARCUS.password)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "session_not_found" and error["field"] == "sessionId"
    assert "create-target-session" in error["message"]


def test_it_rejects_an_expired_session(
    clock: Clock, api: APIClient, session: ShopperSession, marcus_shopper: Shopper
) -> None:
    clock.advance(minutes=10)
    response = post(api, sessionId=session.handle, email=marcus_shopper.email, password=MARCUS.password)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "session_expired"
    assert "create-target-session again" in response.json()["error"]["message"]


def test_it_rejects_a_session_that_is_already_signed_in(
    api: APIClient, session: ShopperSession, marcus_shopper: Shopper
) -> None:
    session.mark_code_sent(marcus_shopper)
    session.mark_signed_in()
    response = post(api, sessionId=session.handle, email=marcus_shopper.email, password=MARCUS.password)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_signed_in"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "lauren@example.com", "password": "x"}, "sessionId", "sessionId is missing"),
        ({"sessionId": "sess_x", "password": "x"}, "email", "Enter your email address."),
        ({"sessionId": "sess_x", "email": "not-an-email", "password": "x"}, "email", "Enter a valid email"),
        ({"sessionId": "sess_x", "email": "lauren@example.com", "password": ""}, "password", "Enter your password."),
    ],
)
def test_it_names_the_field_that_is_missing_or_malformed(
    api: APIClient, body: dict[str, str], field: str, message: str
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_it_rejects_a_body_that_is_not_json(api: APIClient) -> None:
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_it_throttles_each_session(settings: Settings, api: APIClient, session: ShopperSession) -> None:
    settings.SIGN_IN_RATE_PER_SESSION = "3/min"
    statuses = [
        post(api, sessionId=session.handle, email=f"guess{n}@example.com", password="x").status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    throttled = post(api, sessionId=session.handle, email="another@example.com", password="x")
    assert throttled.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in throttled.headers
    assert (
        post(api, sessionId=ShopperSession.objects.start().handle, email="x@example.com", password="x").status_code
        == 401
    )


def test_it_throttles_each_email_across_sessions(settings: Settings, api: APIClient, marcus_shopper: Shopper) -> None:
    settings.SIGN_IN_RATE_PER_EMAIL = "2/min"
    statuses = [
        post(api, sessionId=ShopperSession.objects.start().handle, email=email, password="wrong").status_code
        for email in ["marcus.chen@example.com", "MARCUS.CHEN@example.com", "marcus.chen@example.com"]
    ]
    assert statuses == [401, 401, 429]


def test_it_throttles_each_client_address_across_sessions_and_emails(settings: Settings, api: APIClient) -> None:
    settings.SIGN_IN_RATE_PER_ADDRESS = "3/min"
    statuses = [
        post(
            api, sessionId=ShopperSession.objects.start().handle, email=f"guess{n}@example.com", password="x"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.23")
    assert (
        post(
            elsewhere, sessionId=ShopperSession.objects.start().handle, email="x@example.com", password="x"
        ).status_code
        == 401
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("email", ["nobody-here@example.com", MARCUS.email])
def test_the_password_is_hashed_outside_any_transaction(
    api: APIClient, marcus_shopper: Shopper, monkeypatch: pytest.MonkeyPatch, email: str
) -> None:
    inside: list[bool] = []
    for hasher in (PBKDF2PasswordHasher, MD5PasswordHasher):
        for method in ("encode", "verify"):
            original = getattr(hasher, method)

            def spy(self: object, *args: object, _original: Any = original) -> Any:
                inside.append(connection.in_atomic_block)
                return _original(self, *args)

            monkeypatch.setattr(hasher, method, spy)
    session = ShopperSession.objects.start()
    assert post(api, sessionId=session.handle, email=email, password="not-the-password").status_code == 401
    assert inside and not any(inside), "a hash ran while a transaction held the database"
