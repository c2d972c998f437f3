"""Account linking end to end, in `oauth` mode: the official SDK's OAuthClientProvider walks the
whole chain (401, protected-resource metadata, server metadata, registration, PKCE, Target's sign-in
page in Chromium, token) and then shops as Lauren with no sessionId anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from authserver.tests.documents import DocumentServer
from authserver.tests.linking import MemoryStorage, ShopperBrowser, connected, connector, mint_token, status_with_token
from tests.liveserver import LiveServer, structured, text_of

pytestmark = pytest.mark.browser

FITBIT = "38098260"  # Fitbit Charge 6, 159.95 in the catalog


@dataclass
class Linked:
    url: str
    storage: MemoryStorage
    browser: ShopperBrowser
    first_result: dict[str, Any]

    @property
    def access_token(self) -> str:
        assert self.storage.tokens is not None
        return self.storage.tokens.access_token


@pytest.fixture(scope="module")
async def linked(oauth_live: LiveServer, chromium: Any) -> AsyncIterator[Linked]:
    """Lauren links the checkout endpoint once, by adding a Fitbit to her cart through the connector."""
    context = await chromium.new_context()
    page = await context.new_page()
    browser = ShopperBrowser(page)
    await browser.start()
    storage = MemoryStorage()
    url = f"{oauth_live.url}/mcp3"
    async with connected(url, auth=connector(url, browser, storage)) as client:
        result = await client.call_tool("add-to-cart", {"productId": FITBIT})
        assert not result.is_error, text_of(result)
    yield Linked(url=url, storage=storage, browser=browser, first_result=structured(result))
    await context.close()


async def test_the_sdk_client_links_the_account_and_adds_to_laurens_cart_without_a_session_id(linked: Linked) -> None:
    assert linked.first_result["line"]["productId"] == FITBIT
    assert linked.storage.client_info is not None and linked.storage.client_info.client_id
    (authorization_url,) = linked.browser.visited
    assert "code_challenge_method=S256" in authorization_url
    assert f"resource={httpx.URL(linked.url)}".replace(":", "%3A").replace("/", "%2F") in authorization_url


async def test_the_linked_connector_sees_laurens_checkout_summary(linked: Linked) -> None:
    async with connected(linked.url, token=linked.access_token) as client:
        result = await client.call_tool("checkout", {})
    assert not result.is_error, text_of(result)
    summary = structured(result)
    assert FITBIT in [line["productId"] for line in summary["lines"]]
    assert summary["shipTo"] and summary["shipTo"][0] == "Lauren Bailey"


async def test_a_request_without_a_token_gets_the_challenge(oauth_live: LiveServer) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{oauth_live.url}/mcp3",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json"},
        )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{oauth_live.url}/.well-known/oauth-protected-resource/mcp3"' in challenge
    assert 'scope="cart orders"' in challenge


async def test_a_token_for_the_checkout_endpoint_is_refused_by_the_membership_endpoint(
    linked: Linked, oauth_live: LiveServer
) -> None:
    assert await status_with_token(f"{oauth_live.url}/mcp4", linked.access_token) == 401
    assert await status_with_token(linked.url, linked.access_token) == 200


async def test_a_refresh_rotates_both_tokens_and_retires_the_old_ones(linked: Linked, oauth_live: LiveServer) -> None:
    assert linked.storage.tokens is not None and linked.storage.tokens.refresh_token
    old_access, old_refresh = linked.storage.tokens.access_token, linked.storage.tokens.refresh_token
    client_id = linked.storage.client_info.client_id if linked.storage.client_info else ""
    async with httpx.AsyncClient(timeout=30) as http:
        refreshed = await http.post(
            f"{oauth_live.url}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": old_refresh,
                "client_id": client_id,
                "resource": linked.url,
            },
        )
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    assert tokens["access_token"] != old_access and tokens["refresh_token"] != old_refresh
    assert await status_with_token(linked.url, tokens["access_token"]) == 200
    assert await status_with_token(linked.url, old_access) == 401
    linked.storage.tokens = linked.storage.tokens.model_copy(
        update={"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    )


async def test_a_revoked_token_gets_401_on_the_next_call(linked: Linked, oauth_live: LiveServer) -> None:
    client_id = linked.storage.client_info.client_id if linked.storage.client_info else ""
    token = linked.access_token
    async with httpx.AsyncClient(timeout=30) as http:
        revoked = await http.post(f"{oauth_live.url}/oauth/revoke", data={"token": token, "client_id": client_id})
    assert revoked.status_code == 200, revoked.text
    assert await status_with_token(linked.url, token) == 401


async def test_a_connector_named_by_its_metadata_document_links_the_account(
    oauth_live: LiveServer, chromium: Any, connector_document: DocumentServer
) -> None:
    context = await chromium.new_context()
    try:
        browser = ShopperBrowser(await context.new_page())
        await browser.start()
        storage = MemoryStorage()
        url = f"{oauth_live.url}/mcp3"
        provider = connector(url, browser, storage, client_metadata_url=connector_document.url)
        async with connected(url, auth=provider) as client:
            result = await client.call_tool("checkout", {})
    finally:
        await context.close()
    assert not result.is_error, text_of(result)
    assert storage.client_info is not None and storage.client_info.client_id == connector_document.url
    assert connector_document.fetches == ["/connector/client.json"]
    client_id = connector_document.url
    registered = oauth_live.run_django(
        "from oauth2_provider.models import Application\n"
        f"app = Application.objects.get(client_id={client_id!r})\n"
        "result = [app.name, app.registration_source, app.client_type]"
    )
    assert registered == ["Test CIMD connector", "cimd", "public"]


async def test_a_token_with_too_few_scopes_is_refused_with_insufficient_scope(oauth_live: LiveServer) -> None:
    token = mint_token(oauth_live, "/mcp3", "cart")
    url = f"{oauth_live.url}/mcp3"
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}
        started = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        session = {"Mcp-Session-Id": started.headers["mcp-session-id"], "MCP-Protocol-Version": "2025-11-25"}
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "checkout", "arguments": {}}}
        refused = await http.post(url, json=call, headers=session)
    assert refused.status_code == 403
    challenge = refused.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="cart orders"' in challenge
