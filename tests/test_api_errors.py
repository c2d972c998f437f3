"""Every /api answer is JSON, errors included; production health probes are never redirected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import Client

from tests.liveserver import LiveServer, live_server


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/no-such-endpoint", 404),
        ("post", "/api/session/authenticate/", 404),  # a trailing slash: no HTML redirect page
        ("put", "/api/session/authenticate", 405),
        ("get", "/api/checkout/complete", 405),
    ],
)
def test_api_errors_are_json(method: str, path: str, status: int) -> None:
    response = Client().generic(method.upper(), path, data="{}", content_type="application/json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["error"]) == {"code", "message", "field"}


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        Path(tmp_path_factory.mktemp("production")),
        DEBUG="0",
        SECRET_KEY="a-production-secret-key-for-this-test-only-0123456789abcdef",
        ALLOWED_HOSTS="127.0.0.1",
        MCP_CONFORMANCE_FIXTURES="0",
    ) as live:
        yield live


def test_health_probes_over_plain_http_are_not_redirected_in_production(production: LiveServer) -> None:
    for probe in ("/healthz", "/readyz"):
        answer = httpx.get(f"{production.url}{probe}", timeout=30)
        assert answer.status_code in {200, 503}, f"{probe}: {answer.status_code}"
        assert answer.headers["content-type"] == "application/json"
    assert httpx.get(f"{production.url}/admin/", timeout=30).status_code == 301, "everything else goes to HTTPS"
