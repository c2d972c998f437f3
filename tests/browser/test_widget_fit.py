"""How widgets fit the space a host gives them: a maximum height they scroll inside, the host's own
border instead of theirs, and how tall each is at 720 px wide (recorded, with screenshots)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WIDGET_CASES, WidgetCase, case_named

pytestmark = pytest.mark.browser

SHOP_CASES = [case for case in WIDGET_CASES if case.endpoint != "/mcp-conformance"]
LAST_SIZE = (
    "() => { const sizes = __playground.transcript.filter(e => e.kind === 'size-changed');"
    "  return sizes.length > 0 && sizes[sizes.length - 1].height > 50; }"
)
# The Circle 360 offer must fit a chat column without scrolling at this width.
WIDTH = 720
CIRCLE_OFFER_MAX_HEIGHT = 640


def last_reported_height(playground: Playground) -> int:
    playground.page.wait_for_function(LAST_SIZE)
    return int(playground.transcript("size-changed")[-1]["height"])


def test_a_widget_taller_than_the_hosts_max_height_scrolls_inside_it(playground: Playground) -> None:
    playground.page.evaluate("() => __playground.setMaxHeight(300)")
    frame = playground.render(case_named("circle-signup"))

    height = last_reported_height(playground)
    iframe_height = playground.page.eval_on_selector("#widget-host iframe", "f => f.getBoundingClientRect().height")
    assert height <= 300 and iframe_height <= 301
    scroll = frame.evaluate("() => [document.documentElement.scrollHeight, document.documentElement.clientHeight]")
    assert scroll[0] > scroll[1], "the content scrolls inside the widget"
    # Its main action is still reachable: focusing it scrolls it into view inside the frame.
    frame.focus("#start")
    assert frame.evaluate("() => document.activeElement.id") == "start"


@pytest.mark.parametrize("case", SHOP_CASES, ids=str)
def test_a_widget_that_asks_for_the_hosts_border_draws_no_card_of_its_own(
    playground: Playground, case: WidgetCase
) -> None:
    frame = playground.render(case)
    card = frame.eval_on_selector(
        "main", "m => { const s = getComputedStyle(m); return [s.borderTopWidth, s.boxShadow]; }"
    )
    assert card == ["0px", "none"]


@pytest.mark.parametrize("host_mode", ["mcp-apps"], indirect=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_each_widget_at_720_px_wide_reports_its_height(playground: Playground, screenshots: Path, theme: str) -> None:
    # One column (the playground stacks its panels below 70rem), the widget frame exactly WIDTH wide.
    playground.page.set_viewport_size({"width": 1000, "height": 900})
    playground.page.add_style_tag(content=f"#widget-host iframe {{ width: {WIDTH}px !important; }}")
    playground.set_theme(theme)
    sizes: dict[str, int] = {}
    for case in SHOP_CASES:
        start = playground.last_seq()
        frame = playground.render(case)
        playground.wait_for_entry("size-changed", after=start)
        frame.evaluate("() => document.fonts.ready.then(() => null)")
        sizes[case.name] = last_reported_height(playground)
        playground.page.locator("#widget-host iframe").screenshot(path=str(screenshots / f"{case.name}-{theme}.png"))
    (screenshots / f"widget-heights-{WIDTH}px-{theme}.json").write_text(json.dumps(sizes, indent=2))
    assert sizes["circle-signup"] <= CIRCLE_OFFER_MAX_HEIGHT, sizes
