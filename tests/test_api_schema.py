"""The widget callback API's OpenAPI schema (drf-spectacular) and a schemathesis run against it.

Schemathesis generates valid and invalid requests from the schema served at /api/schema/ and sends
them to a live server of their own (its shoppers join Circle 360 and place orders, so it does not
share the suite's). Bodies that name a session get, some of the time, a real one: a fresh anonymous
session, or a signed-in shopper with a full cart, so the runs reach past "session not found" into
sign-in, checkout and enrolment. The check: no answer is ever a 5xx.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from tests.liveserver import LiveServer, call_tool, live_server, signed_in_session, start_session
from tests.personas import PRIYA, create_in

MAX_EXAMPLES = 60
COTTON_ROUNDS = "31508397"
NOTEBOOK = "42191994"


@pytest.fixture(scope="module")
def api_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Throttles answer 429 correctly; raised here so generated requests reach the views' logic.
    with live_server(
        tmp_path_factory.mktemp("api-schema"),
        SIGN_IN_RATE_PER_SESSION="100000/min",
        SIGN_IN_RATE_PER_EMAIL="100000/min",
        SHOP_RATE_PER_SESSION="100000/min",
    ) as server:
        yield server


@pytest.fixture(scope="module")
async def sessions(api_live: LiveServer) -> dict[str, list[str]]:
    """Real sessionIds to put into generated bodies: anonymous ones, and signed-in ones with a cart."""
    person = PRIYA.fresh()
    create_in(api_live, person)
    anonymous = [await start_session(api_live) for _ in range(6)]
    shopping = [await signed_in_session(api_live, person) for _ in range(3)]
    for session_id in shopping:
        for product in (COTTON_ROUNDS, NOTEBOOK):
            added = await call_tool(api_live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": product})
            assert not added.is_error, added.content
    return {"anonymous": anonymous, "shopping": shopping, "credentials": [person.email, person.password]}


@pytest.fixture(scope="module")
def api_schema(api_live: LiveServer) -> Any:
    schema = schemathesis.openapi.from_url(f"{api_live.url}/api/schema/?format=json", timeout=10)
    schema.config.update(base_url=api_live.url)
    return schema


def with_real_data(body: Any, sessions: dict[str, list[str]], path: str) -> Any:
    """Two times in three, swap the generated sessionId for a real one (and sometimes real credentials)."""
    if not isinstance(body, dict) or "sessionId" not in body:
        return body
    pick = random.Random(repr(sorted(body.items(), key=str)))
    roll = pick.random()
    if roll < 0.33:
        return body
    kind = "anonymous" if roll < 0.66 or path.startswith("/api/session/") else "shopping"
    body = {**body, "sessionId": pick.choice(sessions[kind])}
    if path == "/api/session/authenticate" and pick.random() < 0.3:
        # A shopper of this run's own: the per-email throttle's counts may live in a shared Redis.
        email, password = sessions["credentials"]
        body.update(email=email, password=password)
    return body


OPERATIONS = [
    "/api/session/authenticate",
    "/api/session/verify",
    "/api/checkout/complete",
    "/api/membership/enroll",
    "/api/demo/reset",
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("path", OPERATIONS)
def test_no_generated_request_gets_a_server_error(
    api_schema: Any, sessions: dict[str, list[str]], path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path]["POST"]
    answered: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, unshrunk
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.body = with_real_data(case.body, sessions, path)
        response = case.call(timeout=15)
        answered.append(response.status_code)
        assert response.status_code < 500, (
            f"{case.method} {case.path} headers={case.headers!r} body={case.body!r} -> "
            f"{response.status_code}: {response.text[:500]}"
        )
        content_type = ",".join(response.headers.get("content-type", []))
        if response.status_code >= 400 and content_type.startswith("application/json"):
            body = response.json()
            # Every expected failure has the documented shape.
            assert set(body) == {"error"} and {"code", "message", "field"} <= set(body["error"]), body

    run()
    assert answered, "schemathesis generated no requests"


def test_the_schema_describes_bodies_headers_and_errors(api_live: LiveServer) -> None:
    document = httpx.get(f"{api_live.url}/api/schema/?format=json").json()
    complete = document["paths"]["/api/checkout/complete"]["post"]
    header = next(p for p in complete["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True and header["schema"]["pattern"]
    assert complete["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CompletePurchaseRequest")
    body = document["components"]["schemas"]["CompletePurchaseRequest"]
    assert set(body["required"]) == {"sessionId", "version"}, "the charge is bound to the reviewed summary"
    assert {"200", "400", "402", "403", "404", "409", "410", "429"} <= set(complete["responses"])
    assert "Retry-After" in complete["responses"]["429"]["headers"]
    error = document["components"]["schemas"]["Error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert error["required"] == ["error"] and set(detail["required"]) == {"code", "message", "field"}
    for path in ("/api/session/authenticate", "/api/session/verify", "/api/membership/enroll", "/api/demo/reset"):
        assert "post" in document["paths"][path]
    assert "demoResetToken" in document["components"]["securitySchemes"]


def test_production_serves_the_schema_to_staff_only(tmp_path: Path) -> None:
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DEMO_MODE": "0",
    }
    with live_server(tmp_path, production) as server:
        assert httpx.get(f"{server.url}/api/schema/").status_code == 403
    with live_server(tmp_path, production, migrated=True, API_SCHEMA_PUBLIC="1") as server:
        assert httpx.get(f"{server.url}/api/schema/").status_code == 200
