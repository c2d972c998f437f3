"""The product-carousel widget in a real browser, fed a real tool result through `window.openai`.

The widget is served exactly as hosts receive it (resources/read), then given the structured result
of a real search; a stub `window.openai` records what the widget asks of the host.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from search_mcp.tools import carousel
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser
import playwright.sync_api as playwright_api  # noqa: E402  (requirements-test.txt)

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<img src=x onerror=alert(1)>"

HOST_STUB = """
window.__asked = [];
window.openai = {
  theme: "light", locale: "en-US", toolInput: %(input)s, toolOutput: %(output)s,
  toolResponseMetadata: %(meta)s, widgetState: null,
  sendFollowUpMessage: (m) => { window.__asked.push(["message", m.prompt]); return Promise.resolve(); },
  openExternal: (l) => { window.__asked.push(["link", l.href]); return Promise.resolve(); },
  setWidgetState: () => Promise.resolve(), callTool: () => Promise.reject(new Error("no")),
};
"""


@pytest.fixture(scope="module")
def results(live: LiveServer) -> dict[str, dict[str, Any]]:
    """Real search results from the live server, fetched before the browser owns this thread's loop."""

    async def fetch() -> dict[str, dict[str, Any]]:
        async with Client(f"{live.url}/mcp2") as client:
            found = {}
            for query in ("fitbit charge", "fitbit"):
                result = await client.call_tool("search-target-products", {"query": query})
                found[query] = {"structuredContent": result.structured_content, "_meta": result.meta}
            return found

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result(timeout=60)


@pytest.fixture(scope="module")
def browser(results: dict[str, dict[str, Any]]) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install-test` installs it (scripts/install-browser.sh)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def open_widget(browser: Any, result: dict[str, Any], query: str) -> Any:
    page = browser.new_context(viewport={"width": 720, "height": 700}, reduced_motion="reduce").new_page()
    page.route(
        "**/*.svg*",
        lambda route: route.fulfill(content_type="image/svg+xml", body="<svg xmlns='http://www.w3.org/2000/svg'/>"),
    )
    stub = HOST_STUB % {
        "input": json.dumps({"query": query}),
        "output": json.dumps(result.get("structuredContent")),
        "meta": json.dumps(result.get("_meta", {})),
    }
    # Before the inlined runtime, which picks its host adapter as it loads.
    page.set_content(carousel.html.replace("<head>", f"<head><script>{stub}</script>", 1))
    page.wait_for_function("() => document.querySelector('main').getAttribute('aria-busy') === 'false'")
    return page


def test_it_shows_cards_with_cents_stars_and_reviews(browser: Any, results: dict[str, dict[str, Any]]) -> None:
    page = open_widget(browser, results["fitbit charge"], "fitbit charge")

    first = page.locator(".product").first
    assert page.locator(".product").count() == 10
    assert "Fitbit Charge 6 Fitness Tracker - Obsidian/Black" in first.inner_text()
    assert "$159.95" in first.inner_text()
    assert "4.8 out of 5 stars, 18 reviews" in first.locator(".sr-only").inner_text()
    assert first.locator("img").get_attribute("loading") == "lazy"
    assert first.locator("img").get_attribute("alt").startswith("Fitbit Charge 6")


def test_arrows_and_keys_move_the_carousel(browser: Any, results: dict[str, dict[str, Any]]) -> None:
    page = open_widget(browser, json.loads(json.dumps(results["fitbit"])), "fitbit")
    track = page.locator("#track")

    page.click("#next")
    page.wait_for_function("() => document.getElementById('track').scrollLeft > 0")
    page.click("#prev")
    page.wait_for_function("() => document.getElementById('track').scrollLeft === 0")
    page.locator(".product .open").first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement === document.querySelectorAll('.product .open')[1]")
    track.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('track').scrollLeft > 0")


def test_the_detail_view_and_its_actions_ask_the_host(browser: Any, results: dict[str, dict[str, Any]]) -> None:
    page = open_widget(browser, results["fitbit charge"], "fitbit charge")

    page.locator(".product .open").first.click()
    assert page.locator("#detail").is_visible()
    assert page.locator("#gallery img").count() == 3
    assert page.locator("#detail-features li").count() >= 3
    page.click("#detail-link")
    page.click("#detail-add")
    page.wait_for_function("() => window.__asked.length === 2")
    asked = page.evaluate("() => window.__asked")
    assert asked[0] == ["link", "https://www.target.com/p/fitbit-charge-6-fitness-tracker-obsidian-black/-/A-38098260"]
    assert asked[1] == ["message", "Add product 38098260 (Fitbit Charge 6 Fitness Tracker - Obsidian/Black) to my cart"]
    page.click("#back")
    assert page.locator("#results").is_visible()


def test_html_in_data_shows_as_text(browser: Any, results: dict[str, dict[str, Any]]) -> None:
    result = json.loads(json.dumps(results["fitbit"]))
    result["structuredContent"]["query"] = HOSTILE
    result["structuredContent"]["products"][0]["title"] = HOSTILE
    dialogs: list[str] = []
    page = open_widget(browser, result, HOSTILE)

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)

    assert HOSTILE in page.inner_text("body")
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    assert dialogs == []
