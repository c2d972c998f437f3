"""Drives the /playground/ host page through window.__playground, as a presenter would by hand."""

from __future__ import annotations

from typing import Any

from tests.browser.widget_cases import WidgetCase
from tests.liveserver import LiveServer

WAIT_MS = 10_000


class Playground:
    """The /playground/ page, driven through window.__playground, plus the errors it logged."""

    def __init__(self, page: Any, live: LiveServer) -> None:
        self.page = page
        self.live = live
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.set_default_timeout(WAIT_MS)

    def open(self) -> Playground:
        self.page.goto(f"{self.live.url}/playground/")
        self.page.wait_for_function("() => window.__playground !== undefined")
        return self

    def set_host_mode(self, mode: str) -> None:
        self.page.evaluate("mode => __playground.setHostMode(mode)", mode)

    def set_theme(self, theme: str) -> None:
        self.page.evaluate("theme => __playground.setTheme(theme)", theme)

    def connect(self, endpoint: str) -> None:
        self.page.evaluate("endpoint => __playground.selectEndpoint(endpoint).then(() => null)", endpoint)

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.page.evaluate("([t, a]) => __playground.callTool(t, a)", [tool, arguments])
        return result

    def transcript(self, kind: str | None = None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.page.evaluate("() => JSON.parse(JSON.stringify(__playground.transcript))")
        return [entry for entry in entries if kind is None or entry["kind"] == kind]

    def wait_for_entry(self, kind: str, text: str = "", after: int = 0) -> dict[str, Any]:
        """Wait (bounded) for a transcript entry of `kind` whose summary contains `text`."""
        self.page.wait_for_function(
            "([kind, text, after]) => __playground.transcript.some("
            "  e => e.seq > after && e.kind === kind && String(e.summary).includes(text))",
            arg=[kind, text, after],
        )
        return next(e for e in self.transcript(kind) if e["seq"] > after and text in str(e["summary"]))

    def last_seq(self) -> int:
        entries = self.transcript()
        return int(entries[-1]["seq"]) if entries else 0

    def widget_frame(self) -> Any:
        handle = self.page.wait_for_selector("#widget-host iframe")
        frame = handle.content_frame()
        assert frame is not None
        return frame

    def render(self, case: WidgetCase, arguments: dict[str, Any] | None = None) -> Any:
        """Call the case's tool in the current host mode and return the widget frame once rendered."""
        self.connect(case.endpoint)
        for tool, setup_arguments in case.setup_calls:
            self.call(tool, setup_arguments)
        start = self.last_seq()
        self.call(case.tool, case.arguments if arguments is None else arguments)
        self.wait_for_entry("tool-result-sent", after=start)
        frame = self.widget_frame()
        frame.wait_for_function(f"() => {case.rendered}")
        return frame


def tab_until_focused(playground: Playground, frame: Any, selector: str, limit: int = 60) -> int:
    """Press Tab from the page until `selector` inside the widget frame has focus; return the presses."""
    playground.page.focus("#call-button")
    for presses in range(1, limit + 1):
        playground.page.keyboard.press("Tab")
        if frame.evaluate("s => document.hasFocus() && document.activeElement === document.querySelector(s)", selector):
            return presses
    raise AssertionError(f"{selector} in the widget was not reachable with {limit} Tab presses")
