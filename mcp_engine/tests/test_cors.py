"""CORS on the endpoints: a browser-based host on an allowed origin connects; others still cannot."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from mcp_engine.tests.asgi import INITIALIZE, Client, Response, modern_headers, modern_params, rpc, session_headers

PATH = "/mcp-conformance"
HOST_PAGE = "https://host.example"


@pytest.fixture(autouse=True)
def host_page_allowed(settings: Settings) -> None:
    settings.MCP_ALLOWED_ORIGINS = [HOST_PAGE]


def listed(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",")}


async def preflight(client: Client, origin: str, path: str = PATH) -> Response:
    return await client.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,mcp-protocol-version,mcp-method,authorization",
        },
    )


async def test_a_preflight_from_an_allowed_origin_is_answered(fixtures_client: Client) -> None:
    response = await preflight(fixtures_client, HOST_PAGE)
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == HOST_PAGE
    assert {"get", "post", "delete"} <= listed(response.headers["access-control-allow-methods"])
    assert {
        "authorization",
        "content-type",
        "mcp-session-id",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
        "last-event-id",
    } <= listed(response.headers["access-control-allow-headers"])
    assert "access-control-allow-credentials" not in response.headers
    assert "origin" in listed(response.headers["vary"])


async def test_a_preflight_on_the_sse_messages_path_is_answered(fixtures_client: Client) -> None:
    response = await preflight(fixtures_client, HOST_PAGE, f"{PATH}/messages")
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == HOST_PAGE


async def test_a_preflight_from_a_foreign_origin_is_refused_without_cors_headers(fixtures_client: Client) -> None:
    response = await preflight(fixtures_client, "https://evil.example")
    assert response.status == 403
    assert not any(name.startswith("access-control-") for name in response.headers)


async def test_a_request_from_an_allowed_origin_exposes_the_session_and_version_headers(
    fixtures_client: Client,
) -> None:
    response = await fixtures_client.request(
        "POST",
        PATH,
        json_body=rpc("initialize", INITIALIZE),
        headers={**session_headers(None), "Origin": HOST_PAGE},
    )
    assert response.status == 200, response.body
    assert response.headers["access-control-allow-origin"] == HOST_PAGE
    exposed = listed(response.headers["access-control-expose-headers"])
    assert {"mcp-session-id", "mcp-protocol-version", "www-authenticate"} <= exposed
    assert "mcp-session-id" in response.headers


async def test_a_stateless_request_from_an_allowed_origin_is_readable(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST",
        PATH,
        json_body=rpc("server/discover", modern_params({})),
        headers=modern_headers("server/discover", extra={"Origin": HOST_PAGE}),
    )
    assert response.status == 200, response.body
    assert response.headers["access-control-allow-origin"] == HOST_PAGE


async def test_a_request_from_a_foreign_origin_is_still_forbidden_without_cors_headers(
    fixtures_client: Client,
) -> None:
    response = await fixtures_client.request(
        "POST",
        PATH,
        json_body=rpc("server/discover", modern_params({})),
        headers=modern_headers("server/discover", extra={"Origin": "https://evil.example"}),
    )
    assert response.status == 403
    assert not any(name.startswith("access-control-") for name in response.headers)


async def test_a_server_side_client_gets_no_cors_headers(fixtures_client: Client) -> None:
    response = await fixtures_client.request(
        "POST",
        PATH,
        json_body=rpc("server/discover", modern_params({})),
        headers=modern_headers("server/discover"),
    )
    assert response.status == 200
    assert not any(name.startswith("access-control-") for name in response.headers)


async def test_options_without_an_origin_is_not_a_405(fixtures_client: Client) -> None:
    assert (await fixtures_client.request("OPTIONS", PATH)).status == 204
