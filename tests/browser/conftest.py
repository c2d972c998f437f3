"""Real-browser fixtures: Debian's chromium driven by Playwright, pointed at /playground/.

The playground is the MCP Apps host under test; it exposes window.__playground so tests drive it
deterministically (connect, call a tool, toggle theme and host mode) and read its transcript.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import shop
from tests.browser.driver import Playground
from tests.browser.widget_cases import HOST_MODES, WIDGET_CASES, WidgetCase
from tests.liveserver import ROOT, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_PATH = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

import playwright.sync_api as playwright_api  # noqa: E402  (requirements-test.txt)


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it is
# open, and asyncio tests collected after this package could not start theirs.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install-test` installs it (scripts/install-browser.sh)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: `make install-test` installs it (npm ci in tools/)")
    return AXE_PATH.read_text()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def hostile_product(live: LiveServer) -> Iterator[str]:
    """A catalog product named `<img src=x onerror=alert(1)>`, made for these tests and removed after.

    The live server's database is shared by the whole test session, so no real product is renamed.
    Search finds it by shop.HOSTILE_QUERY; add-to-cart by shop.HOSTILE_TCIN.
    """
    shop.create_hostile_product(live)
    try:
        yield shop.HOSTILE_TCIN
    finally:
        shop.delete_hostile_product(live)


@pytest.fixture(params=WIDGET_CASES, ids=str)
def widget_case(request: pytest.FixtureRequest) -> WidgetCase:
    case: WidgetCase = request.param
    return case


@pytest.fixture(params=HOST_MODES)
def host_mode(request: pytest.FixtureRequest) -> str:
    mode: str = request.param
    return mode


@pytest.fixture
def playground(browser: Any, live: LiveServer, host_mode: str) -> Iterator[Playground]:
    # Reduced motion: no transitions, so colours and screenshots are final when we read them.
    context = browser.new_context(
        reduced_motion="reduce",
        color_scheme="light",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        playground = Playground(page, live).open()
        playground.set_theme("light")
        playground.set_host_mode(host_mode)
        yield playground
    finally:
        context.close()
