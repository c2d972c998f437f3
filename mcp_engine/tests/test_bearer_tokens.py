"""Bearer tokens on an endpoint, in process, with a verifier of the test's own: the engine knows
nothing of who issues tokens, only what ``MCP_TOKEN_VERIFIER`` says they stand for."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field
from pytest_django.fixtures import Settings

from mcp_engine import MCPServer
from mcp_engine.auth import WWW_AUTHENTICATE_META, Principal
from mcp_engine.tests.asgi import Client, Response, modern_headers, modern_params, rpc

notes = MCPServer(name="notes", version="1.0.0", principal_argument="owner")
PATH = "/notes"
METADATA = 'resource_metadata="https://notes.example/.well-known/oauth-protected-resource/notes"'
TOKENS = {
    "alice-token": Principal(subject="alice", scopes=frozenset({"notes:read"})),
    "narrow-token": Principal(subject="alice", scopes=frozenset()),
}
asked: list[tuple[str, str]] = []


async def verify(token: str, resource: str) -> Principal | None:
    asked.append((token, resource))
    return TOKENS.get(token)


@notes.tool(
    name="read-notes", title="Read notes", read_only=True, destructive=False, idempotent=True, open_world=False,
    scopes=("notes:read",),
)  # fmt: skip
async def read_notes(owner: Annotated[str, Field(min_length=1)]) -> str:
    """The owner's notes."""
    return f"notes of {owner}"


@notes.tool(name="about", title="About", read_only=True, destructive=False, idempotent=True, open_world=False)
async def about() -> str:
    """What this server is."""
    return "a notes server"


@pytest.fixture
def client(settings: Settings) -> Client:
    settings.MCP_TOKEN_VERIFIER = "mcp_engine.tests.test_bearer_tokens.verify"
    settings.MCP_RESOURCE_BASE_URL = "https://notes.example"
    settings.MCP_AUTHORIZATION_SERVERS = ["https://auth.example"]
    notes.changed()
    asked.clear()
    return Client({"notes": notes})


async def call(client: Client, tool: str, arguments: dict[str, Any], token: str | None = None) -> Response:
    params = {"name": tool, "arguments": arguments}
    extra = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.request(
        "POST",
        PATH,
        json_body=rpc("tools/call", modern_params(params)),
        headers=modern_headers("tools/call", params, extra),
    )


async def test_in_oauth_mode_a_request_without_a_token_gets_401_and_the_challenge(
    client: Client, settings: Settings
) -> None:
    settings.MCP_AUTH = "oauth"
    response = await call(client, "about", {})
    assert response.status == 401
    assert response.headers["www-authenticate"] == f'Bearer {METADATA}, scope="notes:read"'


async def test_the_token_names_the_principal_and_is_checked_for_this_endpoint(
    client: Client, settings: Settings
) -> None:
    settings.MCP_AUTH = "oauth"
    response = await call(client, "read-notes", {"owner": "mallory"}, token="alice-token")
    assert response.status == 200
    assert response.json()["result"]["content"][0]["text"] == "notes of alice"
    assert asked == [("alice-token", "https://notes.example/notes")]


async def test_too_few_scopes_is_a_403_step_up_in_oauth_mode(client: Client, settings: Settings) -> None:
    settings.MCP_AUTH = "oauth"
    response = await call(client, "read-notes", {}, token="narrow-token")
    assert response.status == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="notes:read"' in challenge


@pytest.mark.parametrize("mode", ["mixed", "oauth"])
async def test_an_unknown_token_is_refused_with_401(client: Client, settings: Settings, mode: str) -> None:
    settings.MCP_AUTH = mode
    response = await call(client, "about", {}, token="stolen")
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_in_mixed_mode_neither_token_nor_principal_is_a_tool_error_with_the_challenge(
    client: Client, settings: Settings
) -> None:
    settings.MCP_AUTH = "mixed"
    result = (await call(client, "read-notes", {})).json()["result"]
    assert result["isError"] is True
    (challenge,) = result["_meta"][WWW_AUTHENTICATE_META]
    assert METADATA in challenge
    assert (await call(client, "read-notes", {"owner": "bob"})).json()["result"]["content"][0]["text"] == "notes of bob"


async def test_in_widget_mode_tokens_are_not_looked_at(client: Client, settings: Settings) -> None:
    settings.MCP_AUTH = "widget"
    response = await call(client, "read-notes", {"owner": "bob"}, token="stolen")
    assert response.status == 200 and asked == []
