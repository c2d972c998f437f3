"""Schemathesis against our OpenAPI (/acp/openapi.json) on a live server, for every ACP operation:
discovery, the feed read API, the five checkout-session operations and delegate_payment. Every
answer has a documented status, content type and schema; none is a 5xx."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from acp.protocol import API_VERSION, API_VERSION_HEADER, IDEMPOTENCY_KEY_HEADER
from acp.tests.conftest import FITBIT, ready_body
from tests.liveserver import LiveServer

MAX_EXAMPLES = 20
SESSION = "/acp/checkout_sessions/{checkout_session_id}"
# Discovery takes no input, so there is nothing to make invalid: it runs in positive mode only.
OPERATIONS = [
    ("GET", "/.well-known/acp.json", (GenerationMode.POSITIVE,)),
    ("GET", "/acp/feeds/{feed_id}", tuple(GenerationMode)),
    ("GET", "/acp/feeds/{feed_id}/products", tuple(GenerationMode)),
    ("POST", "/acp/checkout_sessions", tuple(GenerationMode)),
    ("GET", SESSION, tuple(GenerationMode)),
    ("POST", SESSION, tuple(GenerationMode)),
    ("POST", f"{SESSION}/complete", tuple(GenerationMode)),
    ("POST", f"{SESSION}/cancel", tuple(GenerationMode)),
    ("POST", "/agentic_commerce/delegate_payment", tuple(GenerationMode)),
]
CASES = [(method, path, mode) for method, path, modes in OPERATIONS for mode in modes]
IDEMPOTENT_PATHS = {path for method, path, _ in OPERATIONS if method == "POST"}
# Schema-valid bodies are still refused (400) by rules no schema states: a product id must be in the
# catalog, a card number must pass its check digit, a payment token must exist. Every other check runs.
UNCHECKED = [positive_data_acceptance]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A fresh Idempotency-Key for every ACP POST: a reused one would replay an earlier answer."""
    if case.method.upper() == "POST" and case.operation.path in IDEMPOTENT_PATHS:
        case.headers = {**(case.headers or {}), IDEMPOTENCY_KEY_HEADER: uuid.uuid4().hex}


@pytest.fixture(scope="module")
def api_key(live: LiveServer) -> str:
    return str(live.run_django("from acp.models import ApiKey\n_, result = ApiKey.objects.issue('schemathesis')"))


@pytest.fixture(scope="module")
def acp_schema(live: LiveServer) -> Any:
    schema = schemathesis.openapi.from_url(f"{live.url}/acp/openapi.json", timeout=10)
    schema.config.update(base_url=live.url)
    return schema


def open_session(live: LiveServer, api_key: str) -> str:
    """A ready-for-payment session of the test key, so that runs reach the 200 answers too."""
    answer = httpx.post(
        f"{live.url}/acp/checkout_sessions",
        json=ready_body(FITBIT),
        headers={
            "Authorization": f"Bearer {api_key}",
            API_VERSION_HEADER: API_VERSION,
            IDEMPOTENCY_KEY_HEADER: uuid.uuid4().hex,
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


# The real ids a path parameter is swapped to half the time (the rest stay generated: 404s).
KNOWN_IDS = {"feed_id": lambda live, api_key: "feed_targetdemo", "checkout_session_id": open_session}


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_every_answer_is_documented(
    live: LiveServer, acp_schema: Any, api_key: str, method: str, path: str, mode: GenerationMode
) -> None:
    operation = acp_schema[path][method]
    real = {name: known(live, api_key) for name, known in KNOWN_IDS.items() if "{" + name + "}" in path}
    answered: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if case.path_parameters and random.Random(repr(case.path_parameters)).random() < 0.5:
            case.path_parameters.update(real)
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=UNCHECKED, timeout=30
        )
        answered.append(response.status_code)

    run()
    assert answered, "schemathesis generated no requests"
