"""Target's sign-in, code and consent pages in Chromium, light and dark: axe-core finds nothing
serious or critical, and the whole sign-in works from the keyboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from authserver.tests.linking import mint_token
from tests.browser.conftest import AXE_PATH
from tests.liveserver import LiveServer
from tests.personas import LAUREN

pytestmark = pytest.mark.browser

AXE_SERIOUS = (
    "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
    "  .filter(v => ['serious', 'critical'].includes(v.impact))"
    "  .map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))"
)


@pytest.fixture(params=["light", "dark"])
async def page(request: pytest.FixtureRequest, chromium: Any) -> AsyncIterator[Any]:
    context = await chromium.new_context(color_scheme=request.param)
    page = await context.new_page()
    yield page
    await context.close()


async def violations(page: Any) -> list[dict[str, Any]]:
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: `make install-test` installs it (npm ci in tools/)")
    await page.add_script_tag(content=AXE_PATH.read_text())
    found: list[dict[str, Any]] = await page.evaluate(AXE_SERIOUS)
    return found


async def test_sign_in_code_and_consent_pages_pass_axe_and_work_from_the_keyboard(live: LiveServer, page: Any) -> None:
    mint_token(live, "/mcp3", "cart")  # registers the test client the consent page names
    client_id = live.run_django(
        "from oauth2_provider.models import Application\n"
        "result = Application.objects.get(name='Minted in tests').client_id"
    )
    authorize = (
        f"{live.url}/oauth/authorize?response_type=code&client_id={client_id}&state=s&scope=cart+orders"
        f"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        f"&redirect_uri=https%3A%2F%2Fconnector.example%2Fcallback&resource={live.url}/mcp3"
    )
    await page.goto(authorize)
    assert await violations(page) == []
    await page.keyboard.type(LAUREN.email)  # the email field has focus on arrival
    await page.keyboard.press("Tab")
    await page.keyboard.type(LAUREN.password)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/oauth/sign-in/code")
    assert await violations(page) == []
    code = await page.locator("[data-demo-code]").inner_text()
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/oauth/authorize?**")
    assert await page.locator("h1").inner_text() == "Allow Minted in tests to use your Target account?"
    assert await violations(page) == []
