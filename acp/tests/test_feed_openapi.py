"""Schemathesis against our OpenAPI for discovery and the feed read API (/acp/openapi.json), on a
live server: every answer has a documented status, content type and schema; none is a 5xx."""

from __future__ import annotations

import random
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from tests.liveserver import LiveServer

MAX_EXAMPLES = 30
# Discovery takes no input, so there is nothing to make invalid: it runs in positive mode only.
CASES = [
    ("/.well-known/acp.json", GenerationMode.POSITIVE),
    *(
        (path, mode)
        for path in ("/acp/feeds/{feed_id}", "/acp/feeds/{feed_id}/products")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ),
]


@pytest.fixture(scope="module")
def api_key(live: LiveServer) -> str:
    return str(live.run_django("from acp.models import ApiKey\n_, result = ApiKey.objects.issue('schemathesis')"))


@pytest.fixture(scope="module")
def feed_schema(live: LiveServer) -> Any:
    schema = schemathesis.openapi.from_url(f"{live.url}/acp/openapi.json", timeout=10)
    schema.config.update(base_url=live.url)
    return schema


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_every_answer_is_documented(feed_schema: Any, api_key: str, path: str, mode: GenerationMode) -> None:
    operation = feed_schema[path]["GET"]
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
            # Half the time the real feed, so runs reach the 200 answers as well as the 404s.
            case.path_parameters["feed_id"] = "feed_targetdemo"
        response = case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
        answered.append(response.status_code)

    run()
    assert answered, "schemathesis generated no requests"
