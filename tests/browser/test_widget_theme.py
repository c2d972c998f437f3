"""Widgets follow the host's theme live, and look right in both (screenshots on every run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser

ROOT_COLOURS = (
    "[getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.documentElement).color]"
)
COLOURS = f"() => {ROOT_COLOURS}"
# The playground's dark --color-background-primary (#1a1a1a): proves host CSS variables are applied.
HOST_DARK_BACKGROUND = "rgb(26, 26, 26)"


def luminance(rgb: str) -> float:
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_it_follows_a_live_theme_switch(
    playground: Playground, widget_case: WidgetCase, host_mode: str, screenshots: Path
) -> None:
    frame = playground.render(widget_case)
    iframe = playground.page.locator("#widget-host iframe")
    light_background, light_text = frame.evaluate(COLOURS)
    iframe.screenshot(path=str(screenshots / f"{widget_case.name}-{host_mode}-light.png"))

    playground.set_theme("dark")
    frame.wait_for_function(
        f"([bg, fg]) => document.documentElement.dataset.theme === 'dark' && String({ROOT_COLOURS}) !== [bg, fg].join()",
        arg=[light_background, light_text],
    )
    dark_background, dark_text = frame.evaluate(COLOURS)
    iframe.screenshot(path=str(screenshots / f"{widget_case.name}-{host_mode}-dark.png"))

    assert luminance(light_background) > 0.9 and luminance(light_text) < 0.2
    assert luminance(dark_background) < 0.15 and luminance(dark_text) > 0.8
    if host_mode == "mcp-apps":
        assert dark_background == HOST_DARK_BACKGROUND

    # Back to light restores exactly the light colours (bounded wait: fails on timeout).
    playground.set_theme("light")
    frame.wait_for_function(
        f"([bg, fg]) => String({ROOT_COLOURS}) === [bg, fg].join()",
        arg=[light_background, light_text],
    )
