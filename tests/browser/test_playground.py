"""The playground host itself: connecting, argument forms, rehearsing a journey, access."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WIDGET_CASES
from tests.liveserver import LiveServer

CARD = WIDGET_CASES[0]


@pytest.mark.browser
def test_it_builds_a_labelled_form_from_the_input_schema(
    playground: Playground,
) -> None:
    playground.connect(CARD.endpoint)
    playground.page.evaluate("name => __playground.selectTool(name)", CARD.tool)

    schema = next(
        tool
        for tool in playground.page.evaluate("() => __playground.tools")
        if tool["name"] == CARD.tool
    )["inputSchema"]
    for name in schema.get("properties", {}):
        field = playground.page.locator(f"#arg-{name}")
        assert field.count() == 1
        assert playground.page.locator(f"label[for='arg-{name}']").count() == 1


@pytest.mark.browser
def test_a_message_from_the_widget_can_be_rehearsed_as_the_next_tool_call(
    playground: Playground,
) -> None:
    frame = playground.render(CARD)
    frame.click(CARD.keyboard_control)
    playground.wait_for_entry("message", CARD.keyboard_text)

    playground.page.get_by_role("button", name="Run as next tool call").last.click()

    note = playground.page.locator("#rehearsal-note")
    assert note.is_visible() and CARD.keyboard_text in note.inner_text()
    assert playground.page.evaluate("() => document.activeElement.id") == "tool"


@pytest.mark.browser
def test_the_page_itself_passes_axe(playground: Playground, axe_source: str) -> None:
    playground.render(CARD)
    playground.page.add_script_tag(content=axe_source)
    violations: list[dict[str, Any]] = playground.page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        "  .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help))"
    )
    assert violations == []


def test_it_is_open_in_development(live: LiveServer) -> None:
    import httpx

    assert httpx.get(f"{live.url}/playground/", timeout=10).status_code == 200


def test_it_is_hidden_from_non_staff_when_debug_is_off(
    client: Any, settings: Any
) -> None:
    settings.DEBUG = False
    assert client.get("/playground/").status_code == 404


@pytest.mark.django_db
def test_staff_can_open_it_when_debug_is_off(admin_client: Any, settings: Any) -> None:
    settings.DEBUG = False
    assert admin_client.get("/playground/").status_code == 200
