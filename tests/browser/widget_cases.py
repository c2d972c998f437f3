"""The widgets under browser test, one WidgetCase each.

Every test in this package runs once per case and host mode, so adding a widget means adding one
WidgetCase here. A widget that needs more than tool calls first (a signed-in shopper, a cart) gets a
`prepare` hook: it runs in Python against the live server before the playground calls the tool, and
what it returns (e.g. {"sessionId": ...}) is merged into the tool's arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.browser import shop
from tests.liveserver import LiveServer
from tests.personas import HOSTILE_TEXT

__all__ = ["HOSTILE_TEXT", "HOST_MODES", "WIDGET_CASES", "WidgetCase", "case_named"]

HOST_MODES = ("mcp-apps", "openai")
# Widgets tell the model what the shopper did with Widget.updateModelContext: in MCP Apps hosts a
# ui/update-model-context ("model-context" in the transcript), in ChatGPT the widget state's
# modelContent ("widget-state"). A case's keyboard_event may name this kind; the driver maps it.
MODEL_CONTEXT = "model-context"
BUSY_CLEARED = "document.querySelector('main').getAttribute('aria-busy') === 'false'"

Prepare = Callable[[LiveServer], dict[str, Any]]


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
    keyboard_event: str | None
    """Transcript kind that activating `keyboard_control` produces (e.g. "message"), or None when
    the action stays inside the widget (then `keyboard_outcome` says what to wait for)."""
    keyboard_text: str = ""
    """Substring of that transcript entry's summary."""
    keyboard_outcome: str | None = None
    """JS expression, evaluated in the widget frame, that is true once the action took effect."""
    hostile_arguments: dict[str, Any] | None = None
    """Arguments whose result carries HTML in its data; the widget must show it as text."""
    setup_calls: tuple[tuple[str, dict[str, Any]], ...] = field(default=())
    """Tool calls that must happen first on the same endpoint, through the playground."""
    prepare: Prepare | None = None
    """Run against the live server before the tool call; returns arguments to add (e.g. sessionId)."""
    hostile_prepare: Prepare | None = None
    """Like `prepare`, for the hostile call (defaults to `prepare`)."""
    needs_hostile_product: bool = False
    """The hostile call needs the catalog product named with HTML (the `hostile_product` fixture)."""

    def __str__(self) -> str:
        return self.name


WIDGET_CASES = (
    WidgetCase(
        name="test-card",
        endpoint="/mcp-conformance",
        tool="show_test_card",
        arguments={"title": "Weekend picks", "items": ["Bullseye plush", "Mug"]},
        rendered=BUSY_CLEARED,
        expected_text="Weekend picks",
        keyboard_control="#follow-up",
        keyboard_event="message",
        keyboard_text="Tell me more about Weekend picks",
        hostile_arguments={
            "title": HOSTILE_TEXT,
            "items": [HOSTILE_TEXT, "<b>bold</b>"],
        },
    ),
    WidgetCase(
        name="target-auth",
        endpoint="/mcp",
        tool="authenticate-target",
        arguments={},
        rendered=f"{BUSY_CLEARED} && !document.getElementById('step-credentials').hidden",
        expected_text="Sign in to Target",
        # Continue with nothing typed: the errors show inline and focus goes to the email field.
        # (The whole sign-in, by keyboard, is test_journey_sign_in.)
        keyboard_control="#send-code",
        keyboard_event=None,
        keyboard_outcome=(
            "document.getElementById('email-error').textContent.includes('Enter your email')"
            " && document.activeElement === document.getElementById('email')"
        ),
        prepare=shop.fresh_session,
        # Its only data is the session handle; what the shopper types is covered by the journey.
    ),
    WidgetCase(
        name="product-carousel",
        endpoint="/mcp2",
        tool="search-target-products",
        arguments={"query": "fitbit charge"},
        rendered=f"{BUSY_CLEARED} && document.querySelectorAll('#track .product').length > 0",
        expected_text="Fitbit Charge 6",
        keyboard_control="#track .product .add",
        keyboard_event="message",
        keyboard_text="Add product ",
        hostile_arguments={"query": shop.HOSTILE_QUERY},
        needs_hostile_product=True,
    ),
    WidgetCase(
        name="add-to-cart",
        endpoint="/mcp3",
        tool="add-to-cart",
        arguments={"productId": shop.FITBIT_CHARGE_6},
        rendered=f"{BUSY_CLEARED} && !document.getElementById('actions').hidden",
        expected_text="Added to cart",
        keyboard_control="#checkout",
        keyboard_event="message",
        keyboard_text="ready to check out",
        hostile_arguments={"productId": shop.HOSTILE_TCIN},
        prepare=shop.signed_in_session,
        needs_hostile_product=True,
    ),
    WidgetCase(
        name="checkout",
        endpoint="/mcp3",
        tool="checkout",
        arguments={},
        rendered=f"{BUSY_CLEARED} && !document.getElementById('form').hidden",
        expected_text="Order summary",
        keyboard_control="#complete",
        keyboard_event=MODEL_CONTEXT,
        keyboard_text="completed the purchase",
        hostile_arguments={},
        prepare=shop.session_with_cart,
        hostile_prepare=shop.hostile_session_with_hostile_cart,
        needs_hostile_product=True,
    ),
    WidgetCase(
        name="circle-signup",
        endpoint="/mcp4",
        tool="circle-signup",
        arguments={},
        rendered=f"{BUSY_CLEARED} && !document.getElementById('offer').hidden",
        expected_text="Join Target Circle 360",
        keyboard_control="#start",
        keyboard_event=MODEL_CONTEXT,
        keyboard_text="joined Circle 360",
        hostile_arguments={},
        prepare=shop.non_member_session,
        hostile_prepare=shop.hostile_non_member_session,
    ),
)


def case_named(name: str) -> WidgetCase:
    return next(case for case in WIDGET_CASES if case.name == name)
