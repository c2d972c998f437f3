"""Widgets follow the host's theme live, and look right in both (screenshots on every run); the engine's
styles are brand-neutral and the project's theme gives them Target's look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcp_engine.widgets import runtime_block
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


SAMPLE = '<main class="card"><a href="#x">Details</a> <button type="button" class="btn btn-primary">Pay</button></main>'
LOOK = """async theme => {
  document.documentElement.dataset.theme = theme;
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  style('.btn-primary').backgroundColor;  // starts the colour transitions, so that we can wait for their end
  await Promise.all(document.getAnimations().map((animation) => animation.finished));
  return {
    accent: style('.btn-primary').backgroundColor,
    onAccent: style('.btn-primary').color,
    link: style('a').color,
    font: style('html').fontFamily,
  };
}"""


def look(browser: Any, theme_template: str, settings: Any) -> dict[str, dict[str, str]]:
    """How a sample widget looks in light and dark, with `theme_template` as the project's theme."""
    settings.MCP_WIDGET_THEME = theme_template
    page = browser.new_page()
    try:
        page.set_content(f"<!doctype html><html><head>{runtime_block()}</head><body>{SAMPLE}</body></html>")
        return {theme: page.evaluate(LOOK, theme) for theme in ("light", "dark")}
    finally:
        page.close()


def test_the_engine_styles_are_brand_neutral(browser: Any, settings: Any) -> None:
    neutral = look(browser, "", settings)

    assert neutral["light"] == {
        "accent": "rgb(31, 31, 31)",
        "onAccent": "rgb(255, 255, 255)",
        "link": "rgb(31, 31, 31)",
        "font": "system-ui, sans-serif",
    }
    assert neutral["dark"]["accent"] == neutral["dark"]["link"] == "rgb(242, 242, 242)"


def test_the_project_theme_gives_widgets_target_red_and_fonts(browser: Any, settings: Any) -> None:
    themed = look(browser, "widgets/theme.css", settings)

    assert themed["light"]["accent"] == themed["dark"]["accent"] == "rgb(204, 0, 0)"
    assert themed["light"]["onAccent"] == "rgb(255, 255, 255)"
    # Red text is lighter on the dark background, to keep 4.5:1.
    assert (themed["light"]["link"], themed["dark"]["link"]) == ("rgb(204, 0, 0)", "rgb(255, 122, 122)")
    assert "DejaVu Sans" in themed["light"]["font"]
