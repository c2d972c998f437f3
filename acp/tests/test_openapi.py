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
from acp.services import PAYMENT_HANDLER_ID
from acp.tests.conftest import FITBIT, delegate_body, ready_body
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


def post(live: LiveServer, api_key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(
        f"{live.url}{path}",
        json=body,
        headers={
            "Authorization": f"Bearer {api_key}",
            API_VERSION_HEADER: API_VERSION,
            IDEMPOTENCY_KEY_HEADER: uuid.uuid4().hex,
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def open_session(live: LiveServer, api_key: str) -> str:
    """A ready-for-payment session of the test key, so that runs reach the 200 answers too."""
    return str(post(live, api_key, "/acp/checkout_sessions", ready_body(FITBIT))["id"])


def make_real(case: Any, real: dict[str, str], mode: GenerationMode) -> None:
    """Swap in ids that exist, so that runs also reach the success answers: generated ones almost
    never name a feed, catalog product, session or payment token of ours. Bodies only in positive
    mode: there a swap could mend the very field a negative case made invalid."""
    if case.path_parameters:
        case.path_parameters.update({name: value for name, value in real.items() if name in case.path_parameters})
    if mode is not GenerationMode.POSITIVE or not isinstance(case.body, dict):
        return
    if isinstance(case.body.get("line_items"), list):
        for item in case.body["line_items"]:
            item["id"] = FITBIT
    if "token" in real:
        credential = {"type": "spt", "token": real["token"]}
        case.body["payment_data"] = {
            "handler_id": PAYMENT_HANDLER_ID,
            "instrument": {"type": "card", "credential": credential},
        }


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_every_answer_is_documented(
    live: LiveServer, acp_schema: Any, api_key: str, method: str, path: str, mode: GenerationMode
) -> None:
    operation = acp_schema[path][method]
    real = {"feed_id": "feed_targetdemo"}
    if "{checkout_session_id}" in path:
        real["checkout_session_id"] = open_session(live, api_key)
    if path.endswith("/complete"):
        token = post(live, api_key, "/agentic_commerce/delegate_payment", delegate_body(real["checkout_session_id"]))
        real["token"] = str(token["id"])
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
        # Half the cases, picked by their own content so that runs repeat; the other half stay as
        # generated (404s for unknown ids, 400s for unknown products and tokens).
        if random.Random(repr((case.path_parameters, case.body))).random() < 0.5:
            make_real(case, real, mode)
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=UNCHECKED, timeout=30
        )
        answered.append(response.status_code)

    run()
    assert answered, "schemathesis generated no requests"
