"""axe-core finds no serious or critical accessibility violations in any widget, light or dark."""

from __future__ import annotations

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_it_has_no_serious_or_critical_axe_violations(
    playground: Playground, widget_case: WidgetCase, axe_source: str, theme: str
) -> None:
    playground.set_theme(theme)
    frame = playground.render(widget_case)
    frame.wait_for_function(
        "t => document.documentElement.dataset.theme === t", arg=theme
    )

    assert playground.axe_violations(frame, axe_source) == []
