"""Drives the /playground/ host page through window.__playground, as a presenter would by hand."""

from __future__ import annotations

from typing import Any

from tests.browser.widget_cases import MODEL_CONTEXT, WidgetCase
from tests.liveserver import LiveServer

WAIT_MS = 10_000


class Playground:
    """The /playground/ page, driven through window.__playground, plus the errors it logged."""

    def __init__(self, page: Any, live: LiveServer) -> None:
        self.page = page
        self.live = live
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.set_default_timeout(WAIT_MS)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self) -> Playground:
        missing: list[str] = []

        def note_failure(response: Any) -> None:
            if response.status >= 400:
                missing.append(f"{response.status} {response.url}")

        self.page.on("response", note_failure)
        self.page.goto(f"{self.live.url}/playground/")
        try:
            self.page.wait_for_function("() => window.__playground !== undefined")
        except Exception as error:
            raise AssertionError(f"the playground script did not start; failed requests: {missing}") from error
        return self

    def dismissed_dialogs(self) -> list[str]:
        """Dismiss every alert, confirm or prompt the page opens from now on; their messages."""
        dialogs: list[str] = []

        def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", dismiss)
        return dialogs

    def set_host_mode(self, mode: str) -> None:
        self.page.evaluate("mode => __playground.setHostMode(mode)", mode)

    def set_theme(self, theme: str) -> None:
        self.page.evaluate("theme => __playground.setTheme(theme)", theme)

    def connect(self, endpoint: str) -> None:
        self.page.evaluate(
            "endpoint => __playground.selectEndpoint(endpoint).then(() => null)",
            endpoint,
        )

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

    def host_mode(self) -> str:
        mode: str = self.page.evaluate("() => __playground.hostMode")
        return mode

    def event_kind(self, kind: str) -> str:
        """The transcript kind of `kind` in the current host mode (model context differs in ChatGPT)."""
        if kind == MODEL_CONTEXT and self.host_mode() == "openai":
            return "widget-state"
        return kind

    def wait_for_event(self, kind: str, text: str = "", after: int = 0) -> dict[str, Any]:
        """wait_for_entry, with "model-context" meaning whichever kind this host mode records it as."""
        return self.wait_for_entry(self.event_kind(kind), text, after)

    def prepared_arguments(
        self, case: WidgetCase, arguments: dict[str, Any] | None = None, *, hostile: bool = False
    ) -> dict[str, Any]:
        """The case's arguments (or `arguments`), plus what its prepare hook sets up on the server."""
        base = dict(case.arguments if arguments is None else arguments)
        prepare = (case.hostile_prepare or case.prepare) if hostile else case.prepare
        return {**base, **prepare(self.live)} if prepare else base

    def render(self, case: WidgetCase, arguments: dict[str, Any] | None = None, *, hostile: bool = False) -> Any:
        """Prepare, call the case's tool in the current host mode, and return the widget frame once rendered."""
        arguments = self.prepared_arguments(case, arguments, hostile=hostile)
        self.connect(case.endpoint)
        for tool, setup_arguments in case.setup_calls:
            self.call(tool, setup_arguments)
        return self.show(case, arguments)

    def open_widget(self, case: WidgetCase, arguments: dict[str, Any]) -> Any:
        """Connect and call the case's tool with exactly `arguments` (no prepare hook)."""
        self.connect(case.endpoint)
        return self.show(case, arguments)

    def show(self, case: WidgetCase, arguments: dict[str, Any]) -> Any:
        """Call the case's tool (already connected) and return the widget frame once rendered."""
        start = self.last_seq()
        self.call(case.tool, arguments)
        self.wait_for_entry("tool-result-sent", after=start)
        frame = self.widget_frame()
        frame.wait_for_function(f"() => {case.rendered}")
        return frame

    def wait_for_keyboard_action(self, case: WidgetCase, frame: Any, after: int) -> None:
        """Wait (bounded) for what activating the case's keyboard_control does."""
        if case.keyboard_event is not None:
            self.wait_for_event(case.keyboard_event, case.keyboard_text, after=after)
        if case.keyboard_outcome is not None:
            frame.wait_for_function(f"() => {case.keyboard_outcome}")

    def axe_violations(self, frame: Any, axe_source: str) -> list[dict[str, Any]]:
        """Serious and critical axe-core violations in `frame` (a widget frame or the page)."""
        # An inline <script> is allowed by the widget CSP ('unsafe-inline'); eval() would not be.
        if not frame.evaluate("() => typeof axe === 'object'"):
            frame.add_script_tag(content=axe_source)
        violations: list[dict[str, Any]] = frame.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            "  .filter(v => ['serious', 'critical'].includes(v.impact))"
            "  .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))"
        )
        return violations


def tab_until_focused(playground: Playground, frame: Any, selector: str, limit: int = 60) -> int:
    """Press Tab from the page until `selector` inside the widget frame has focus; return the presses."""
    playground.page.focus("#call-button")
    for presses in range(1, limit + 1):
        playground.page.keyboard.press("Tab")
        if frame.evaluate(
            "s => document.hasFocus() && document.activeElement === document.querySelector(s)",
            selector,
        ):
            return presses
    raise AssertionError(f"{selector} in the widget was not reachable with {limit} Tab presses")
