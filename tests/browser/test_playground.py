"""The playground host itself: connecting, argument forms, rehearsing a journey, access."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.driver import Playground
from tests.browser.widget_cases import WIDGET_CASES, case_named
from tests.liveserver import ROOT, LiveServer

CARD = WIDGET_CASES[0]
README_SCREENSHOT = ROOT / "docs" / "playground.png"


@pytest.mark.browser
def test_it_builds_a_labelled_form_from_the_input_schema(
    playground: Playground,
) -> None:
    playground.connect(CARD.endpoint)
    playground.page.evaluate("name => __playground.selectTool(name)", CARD.tool)

    schema = next(tool for tool in playground.page.evaluate("() => __playground.tools") if tool["name"] == CARD.tool)[
        "inputSchema"
    ]
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


def frame_csp(playground: Playground) -> dict[str, str]:
    srcdoc: str = playground.page.evaluate("() => __playground.frame().srcdoc")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', srcdoc)
    assert policy, "the widget frame has no CSP"
    return {directive.split()[0]: directive for directive in policy.group(1).replace("&quot;", '"').split("; ")}


@pytest.mark.browser
def test_the_frame_csp_follows_each_resources_declared_domains(
    playground: Playground,
) -> None:
    origin = playground.live.url
    playground.render(CARD)
    default = frame_csp(playground)
    assert default["default-src"] == "default-src 'none'"
    assert default["connect-src"] == "connect-src 'none'"
    assert origin not in " ".join(default.values())

    # The carousel declares the app's origin for its images (resourceDomains) and, for the runtime's
    # events, as the one origin to connect to: any other stays blocked.
    frame = playground.render(case_named("product-carousel"))
    carousel = frame_csp(playground)
    assert carousel["img-src"] == f"img-src 'self' data: {origin}"
    assert carousel["connect-src"] == f"connect-src {origin}"
    fetch = "url => fetch(url).then(() => 'fetched', () => 'blocked')"
    assert frame.evaluate(fetch, "https://elsewhere.example/healthz") == "blocked"

    # Checkout acts through the host (tools/call); it connects only to the app's origin, for its events.
    playground.render(case_named("checkout"))
    assert frame_csp(playground)["connect-src"] == f"connect-src {origin}"

    # Sign-in sends the password straight to the app's origin (connectDomains), where meta.apiBase points.
    playground.render(case_named("target-auth"))
    assert frame_csp(playground)["connect-src"] == f"connect-src {origin}"
    api_base = playground.transcript("tool-result")[-1]["detail"]["_meta"]["apiBase"]
    assert api_base == origin


@pytest.mark.browser
@pytest.mark.parametrize("host_mode", ["mcp-apps"], indirect=True)
def test_it_shows_the_carousel_for_the_readme(playground: Playground, screenshots: Path) -> None:
    """The README's screenshot: the carousel in the playground. UPDATE_DOCS_SCREENSHOTS=1 refreshes it."""
    playground.page.set_viewport_size({"width": 1440, "height": 900})
    frame = playground.render(case_named("product-carousel"))
    frame.wait_for_function(
        "() => [...document.querySelectorAll('#track img')].slice(0, 2).every(i => i.complete && i.naturalWidth > 0)"
    )
    playground.page.evaluate("() => document.activeElement.blur()")
    path = screenshots / "playground.png"
    playground.page.screenshot(path=str(path))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, README_SCREENSHOT)


def test_it_is_open_in_development(live: LiveServer) -> None:
    import httpx

    assert httpx.get(f"{live.url}/playground/", timeout=10).status_code == 200


def test_it_is_hidden_from_non_staff_when_debug_is_off(client: Any, settings: Any) -> None:
    settings.DEBUG = False
    assert client.get("/playground/").status_code == 404


@pytest.mark.django_db
def test_staff_can_open_it_when_debug_is_off(admin_client: Any, settings: Any) -> None:
    settings.DEBUG = False
    assert admin_client.get("/playground/").status_code == 200
