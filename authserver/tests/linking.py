"""The pieces of an account-linking test: a connector's token storage, and Chromium as the
shopper's browser, signing in on the authorization server's pages and allowing access."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from tests.personas import LAUREN, Persona

CHROMIUM = Path("/usr/bin/chromium")
# Nothing listens here: the browser's visit is intercepted, as a connector's own callback page would catch it.
CALLBACK = "http://127.0.0.1:9/oauth/callback"


class MemoryStorage:
    """The connector's token and registration store (the SDK's TokenStorage)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class ShopperBrowser:
    """Chromium as the shopper: opens the authorization URL, signs in with the texted code (shown on
    the page in DEMO_MODE), allows access, and hands the redirect's code to the connector."""

    def __init__(self, page: Any, persona: Persona = LAUREN) -> None:
        self.page = page
        self.persona = persona
        self.redirected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.visited: list[str] = []

    async def start(self) -> None:
        async def catch(route: Any) -> None:
            if not self.redirected.done():
                self.redirected.set_result(route.request.url)
            await route.fulfill(status=200, content_type="text/html", body="<p>Linked. You can close this page.</p>")

        await self.page.route(f"{CALLBACK}*", catch)

    async def sign_in_and_allow(self, authorization_url: str) -> None:
        self.visited.append(authorization_url)
        page = self.page
        await page.goto(authorization_url)
        if await page.locator("input[autocomplete=username]").count():
            await page.fill("input[autocomplete=username]", self.persona.email)
            await page.fill("input[autocomplete=current-password]", self.persona.password)
            await page.click("button[type=submit]")
            code = await page.locator("[data-demo-code]").inner_text()
            await page.fill("input[autocomplete=one-time-code]", code)
            await page.click("button[type=submit]")
        await page.click("button[name=allow]")

    async def callback(self) -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(await asyncio.wait_for(self.redirected, 60)).query)
        self.redirected = asyncio.get_running_loop().create_future()
        return AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )


def connector(
    url: str, browser: ShopperBrowser, storage: MemoryStorage, *, client_metadata_url: str | None = None
) -> OAuthClientProvider:
    """The official SDK's OAuth client for the MCP endpoint at `url`, as a host's connector uses it."""
    metadata = OAuthClientMetadata(
        redirect_uris=[CALLBACK],  # type: ignore[list-item]
        client_name="Test connector",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return OAuthClientProvider(
        server_url=url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.sign_in_and_allow,
        callback_handler=browser.callback,
        client_metadata_url=client_metadata_url,
    )


@asynccontextmanager
async def connected(url: str, auth: httpx2.Auth | None = None, token: str | None = None) -> AsyncIterator[Client]:
    """The official client on `url`, authenticating with a provider, a fixed bearer token, or not at all."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with (
        httpx2.AsyncClient(auth=auth, headers=headers, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def status_with_token(url: str, token: str) -> int:
    """The HTTP status of one tools/list sent to `url` with this bearer token."""
    async with httpx2.AsyncClient(timeout=30) as http:
        response = await http.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": _initialize_params()},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )
        return response.status_code


def _initialize_params() -> dict[str, Any]:
    return {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}


def mint_token(live: Any, endpoint: str, scope: str, email: str = LAUREN.email) -> str:
    """An access token for `email`, bound to `endpoint`, as the authorization server would issue it
    (for tests about what the MCP endpoints do with tokens, without a browser)."""
    code = f"""
import secrets
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value
app, _ = Application.objects.get_or_create(
    name="Minted in tests", client_type="public", authorization_grant_type="authorization-code",
    redirect_uris="https://connector.example/callback", algorithm="")
raw = secrets.token_urlsafe(32)
token = AccessToken(user=get_user_model().objects.get(email__iexact={email!r}), application=app, scope={scope!r},
                    expires=timezone.now() + timedelta(hours=1), resource=[{live.url + endpoint!r}])
set_token_value(token, raw)
token.save()
result = raw
"""
    return str(live.run_django(code))
