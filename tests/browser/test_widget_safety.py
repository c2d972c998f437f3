"""Widgets treat data as text, stay inside the host's default CSP, and log no errors."""

from __future__ import annotations

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import HOSTILE_TEXT, WIDGET_CASES, WidgetCase

pytestmark = pytest.mark.browser


# The sign-in form shows no free text from a tool result, so it has no case here.
@pytest.mark.parametrize(
    "widget_case", [case for case in WIDGET_CASES if case.hostile_arguments is not None], indirect=True, ids=str
)
def test_it_shows_html_in_data_as_text(
    playground: Playground, widget_case: WidgetCase, request: pytest.FixtureRequest
) -> None:
    if widget_case.needs_hostile_product:
        request.getfixturevalue("hostile_product")
    dialogs = playground.dismissed_dialogs()

    frame = playground.render(widget_case, widget_case.hostile_arguments, hostile=True)

    assert HOSTILE_TEXT in frame.inner_text("body")
    assert frame.evaluate("() => document.querySelectorAll('img[src=x], b').length") == 0
    assert dialogs == []


def test_it_logs_no_console_errors_and_loads_nothing_from_elsewhere(
    playground: Playground, widget_case: WidgetCase
) -> None:
    requested: list[str] = []
    playground.page.on("request", lambda request: requested.append(request.url))

    frame = playground.render(widget_case)
    playground.set_theme("dark")
    frame.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    start = playground.last_seq()
    frame.focus(widget_case.keyboard_control)
    playground.page.keyboard.press("Enter")
    playground.wait_for_keyboard_action(widget_case, frame, after=start)

    assert playground.errors == []
    foreign = [
        url for url in requested if not url.startswith(playground.live.url) and not url.startswith(("data:", "about:"))
    ]
    assert foreign == []
