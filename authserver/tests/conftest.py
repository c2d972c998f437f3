from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from authserver.tests.documents import DocumentServer, serve_document
from authserver.tests.linking import CALLBACK, CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS
from tests.liveserver import LiveServer, live_server


@pytest.fixture(scope="module")
def connector_document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocumentServer]:
    """A connector's client ID metadata document on a local HTTPS server."""
    with serve_document(tmp_path_factory.mktemp("cimd"), CALLBACK) as server:
        yield server


@pytest.fixture(scope="module")
def oauth_live(tmp_path_factory: pytest.TempPathFactory, connector_document: DocumentServer) -> Iterator[LiveServer]:
    """A live server in `oauth` mode: the shopper's endpoints answer nothing without a token. It
    trusts the local connector's certificate, as it trusts public CAs in production."""
    variables = {"MCP_AUTH": "oauth", "SSL_CERT_FILE": str(connector_document.certificate)}
    with live_server(tmp_path_factory.mktemp("oauth"), variables) as server:
        yield server


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    import playwright.async_api as playwright_api

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install-test` installs it (scripts/install-browser.sh)")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(chromium: Any) -> AsyncIterator[Any]:
    context = await chromium.new_context()
    page = await context.new_page()
    yield page
    await context.close()
