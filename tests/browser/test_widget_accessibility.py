"""axe-core finds no serious or critical accessibility violations in any widget, light or dark."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(frame: Any, axe_source: str) -> list[dict[str, Any]]:
    # An inline <script> is allowed by the default widget CSP ('unsafe-inline'); eval() would not be.
    frame.add_script_tag(content=axe_source)
    violations: list[dict[str, Any]] = frame.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "  v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_it_has_no_serious_or_critical_axe_violations(playground: Playground, widget_case: WidgetCase, axe_source: str, theme: str) -> None:
    playground.set_theme(theme)
    frame = playground.render(widget_case)
    frame.wait_for_function("t => document.documentElement.dataset.theme === t", arg=theme)

    assert axe_violations(frame, axe_source) == []
