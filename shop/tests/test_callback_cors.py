"""Which widget callbacks a page on another origin may call: the sign-in ones from any sandbox
origin (hosts such as Claude give each conversation its own), without credentials; the rest only
from CORS_ALLOWED_ORIGINS."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CLAUDE_SANDBOX = "https://3f9a1c2b7d.claudemcpcontent.com"


def preflight(path: str, origin: str) -> dict[str, str]:
    response = Client().options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    return {name.lower(): value for name, value in response.headers.items()}


@pytest.mark.parametrize("path", ["/api/session/authenticate", "/api/session/verify"])
@pytest.mark.parametrize("origin", [CLAUDE_SANDBOX, "https://sandbox.any-host.example", "null"])
def test_sign_in_callbacks_answer_any_sandbox_origin_without_credentials(path: str, origin: str) -> None:
    headers = preflight(path, origin)
    assert headers["access-control-allow-origin"] == origin
    assert "content-type" in headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in headers


def test_a_sign_in_answer_is_readable_cross_origin() -> None:
    response = Client().post(
        "/api/session/authenticate",
        {"sessionId": "sess_nothing", "email": "x@example.com", "password": "p"},
        content_type="application/json",
        headers={"Origin": CLAUDE_SANDBOX},
    )
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == CLAUDE_SANDBOX
    assert response.json()["error"]["code"] == "session_not_found"


@pytest.mark.parametrize("path", ["/api/checkout/complete", "/api/membership/enroll", "/api/demo/reset"])
def test_other_callbacks_stay_closed_to_unlisted_origins(path: str) -> None:
    assert "access-control-allow-origin" not in preflight(path, CLAUDE_SANDBOX)


def test_listed_origins_still_reach_the_other_callbacks() -> None:
    origin = "https://web-sandbox.oaiusercontent.com"
    assert preflight("/api/checkout/complete", origin)["access-control-allow-origin"] == origin
