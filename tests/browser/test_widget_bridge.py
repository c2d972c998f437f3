"""Each widget speaks its host's dialect: the MCP Apps bridge, or ChatGPT's window.openai."""

from __future__ import annotations

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WidgetCase

pytestmark = pytest.mark.browser


def test_it_completes_the_handshake_and_renders_the_tool_result(
    playground: Playground, widget_case: WidgetCase, host_mode: str
) -> None:
    frame = playground.render(widget_case)

    assert frame.evaluate("() => Widget.host") == host_mode
    assert widget_case.expected_text in frame.inner_text("body")
    kinds = [entry["kind"] for entry in playground.transcript()]
    assert kinds.index("widget-initialized") < kinds.index("tool-result-sent")
    if host_mode == "mcp-apps":
        initialize = playground.transcript("widget-initialize")[-1]
        assert initialize["detail"]["protocolVersion"] == "2026-01-26"
        assert kinds.index("widget-initialize") < kinds.index("widget-initialized") < kinds.index("tool-input-sent")
        assert kinds.index("tool-input-sent") < kinds.index("tool-result-sent")
    else:
        delivered = playground.transcript("set-globals")[0]["detail"]
        assert "toolOutput" in delivered


def test_it_reports_its_size_so_the_host_can_fit_it(playground: Playground, widget_case: WidgetCase) -> None:
    playground.render(widget_case)

    # A widget may report a smaller size before its result is laid out; the last report counts.
    playground.page.wait_for_function(
        "() => { const sizes = __playground.transcript.filter(e => e.kind === 'size-changed');"
        "  return sizes.length > 0 && sizes[sizes.length - 1].height > 50; }"
    )
    last = playground.transcript("size-changed")[-1]
    iframe_height = playground.page.eval_on_selector("#widget-host iframe", "f => f.getBoundingClientRect().height")
    assert abs(iframe_height - last["height"]) <= 1
