"""The widgets under browser test, one WidgetCase each.

Every test in this package runs once per case and host mode, so adding a widget (target-auth,
product-carousel, add-to-cart, checkout, circle-signup) means adding one WidgetCase here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOST_MODES = ("mcp-apps", "openai")
HOSTILE_TEXT = "<img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class WidgetCase:
    name: str
    endpoint: str
    tool: str
    arguments: dict[str, Any]
    rendered: str
    """JS expression, evaluated in the widget frame, that is true once the tool result is rendered."""
    expected_text: str
    """Text the rendered widget shows for `arguments`."""
    keyboard_control: str
    """CSS selector of a control a keyboard user reaches with Tab and activates with Enter."""
    keyboard_event: str
    """Transcript kind that activating `keyboard_control` produces (e.g. "message")."""
    keyboard_text: str
    """Substring of that transcript entry's summary."""
    hostile_arguments: dict[str, Any] | None = None
    """Arguments whose result carries HTML in its data; the widget must show it as text."""
    setup_calls: tuple[tuple[str, dict[str, Any]], ...] = field(default=())
    """Tool calls that must happen first on the same endpoint (e.g. signing in)."""

    def __str__(self) -> str:
        return self.name


WIDGET_CASES = (
    WidgetCase(
        name="test-card",
        endpoint="/mcp-conformance",
        tool="show_test_card",
        arguments={"title": "Weekend picks", "items": ["Bullseye plush", "Mug"]},
        rendered="document.querySelector('main').getAttribute('aria-busy') === 'false'",
        expected_text="Weekend picks",
        keyboard_control="#follow-up",
        keyboard_event="message",
        keyboard_text="Tell me more about Weekend picks",
        hostile_arguments={"title": HOSTILE_TEXT, "items": [HOSTILE_TEXT, "<b>bold</b>"]},
    ),
)
