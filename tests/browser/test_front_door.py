"""The front door at / in Chromium: no serious axe violations in light or dark, and copy buttons
that put the connector URL on the clipboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_passes_axe_in_both_colour_schemes(
    browser: Any, live: LiveServer, axe_source: str, screenshots: Path, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live.url}/")
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            "  .filter(v => ['serious', 'critical'].includes(v.impact))"
            "  .map(v => ({id: v.id, targets: v.nodes.map(n => n.target.join(' '))})))"
        )
        assert violations == []
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(18, 18, 18)")
        page.screenshot(path=str(screenshots / f"front-door-{scheme}.png"), full_page=True)
    finally:
        context.close()


def test_the_first_copy_button_copies_the_one_connector_url(browser: Any, live: LiveServer) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{live.url}/")
        first = page.get_by_role("button", name="Copy the Target URL")
        first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
        assert page.evaluate("() => navigator.clipboard.readText()") == f"{live.url}/shop"
        assert page.inner_text("#copy-status") == f"Copied {live.url}/shop"
    finally:
        context.close()
