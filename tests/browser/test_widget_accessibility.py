"""axe-core finds no serious or critical accessibility violations in any widget, light or dark."""

from __future__ import annotations

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser

BACKGROUND = "() => getComputedStyle(document.documentElement).backgroundColor"


def test_it_has_no_serious_or_critical_axe_violations_light_or_dark(
    playground: Playground, widget_case: WidgetCase, axe_source: str
) -> None:
    frame = playground.render(widget_case)
    found = {"light": playground.axe_violations(frame, axe_source)}

    # One render, both themes: the dark scan also covers the live switch (axe is already injected).
    # Scan once the new colours are painted: the root background has changed and two frames passed.
    light_background = frame.evaluate(BACKGROUND)
    playground.set_theme("dark")
    frame.wait_for_function(
        f"bg => document.documentElement.dataset.theme === 'dark' && ({BACKGROUND})() !== bg",
        arg=light_background,
    )
    frame.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    found["dark"] = playground.axe_violations(frame, axe_source)

    assert found == {"light": [], "dark": []}
