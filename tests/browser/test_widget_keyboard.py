"""A keyboard-only user can reach and use each widget's main action."""

from __future__ import annotations

import pytest

from tests.browser.driver import Playground, tab_until_focused
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser


def test_a_keyboard_user_can_tab_to_the_main_action_and_press_enter(
    playground: Playground, widget_case: WidgetCase
) -> None:
    frame = playground.render(widget_case)
    start = playground.last_seq()

    tab_until_focused(playground, frame, widget_case.keyboard_control)
    outline = frame.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    playground.page.keyboard.press("Enter")

    playground.wait_for_keyboard_action(widget_case, frame, after=start)
    assert outline != "none", "the focused control shows no focus ring"
