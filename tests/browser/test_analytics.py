"""Analytics in a real browser: a whole widget journey's events land in order, and the operator's
dashboard (console and funnel) renders in light and dark, with screenshots in artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser import shop
from tests.browser.driver import Playground
from tests.browser.widget_cases import case_named
from tests.liveserver import LOG_SECONDS, LiveServer, live_server, until

pytestmark = pytest.mark.browser

CAROUSEL = case_named("product-carousel")
ADD_TO_CART = case_named("add-to-cart")
CHECKOUT = case_named("checkout")
INGEST = "/api/analytics/events"
ADMIN_PASSWORD = "console-demo-pass"


@contextmanager
def landed(playground: Playground, wanted: str) -> Iterator[None]:
    """Wait, after the block, until a batch holding `wanted` (an action or a widget) was stored.

    The next step then happens after this event was stored, so its time is later on every clock."""

    def holds(response: Any) -> bool:
        return INGEST in response.url and wanted in (response.request.post_data or "") and response.status == 202

    with playground.page.expect_response(holds, timeout=LOG_SECONDS * 1000):
        yield


def events_of(live: LiveServer, session_id: str) -> list[str]:
    """The shopper's events in the order they happened: "tool:<name>", "shown:<widget>" or the action."""
    return list(
        live.run_django(
            f"""
from analytics.models import Impression, Interaction, ToolCall
from analytics.shoppers import shopper_key
shopper = shopper_key({session_id!r})
rows = [(e.occurred_at, "shown:" + e.widget) for e in Impression.objects.filter(shopper=shopper)]
rows += [(e.occurred_at, e.action) for e in Interaction.objects.filter(shopper=shopper)]
rows += [(e.occurred_at, "tool:" + e.tool) for e in ToolCall.objects.filter(shopper=shopper, outcome="ok")]
result = [name for _, name in sorted(rows)]
"""
        )
    )


def test_the_events_of_a_whole_widget_journey_land_in_order(playground: Playground) -> None:
    session_id, _ = shop.signed_in(playground.live)
    with landed(playground, '"widget":"product-carousel"'):
        frame = playground.open_widget(CAROUSEL, {"query": "fitbit charge", "sessionId": session_id})
    meta = playground.transcript("tool-result")[-1]["detail"]["_meta"]["analytics"]
    assert meta["endpoint"] == f"{playground.live.url}{INGEST}" and len(meta["shopper"]) == 32
    assert session_id not in json.dumps(meta)

    with landed(playground, "product_opened"):
        frame.click("#track .product .open")
    with landed(playground, "add_to_cart_pressed"):
        frame.click("#detail-add")
    with landed(playground, '"widget":"add-to-cart"'):
        frame = playground.open_widget(ADD_TO_CART, {"productId": shop.FITBIT_CHARGE_6, "sessionId": session_id})
    with landed(playground, "checkout_pressed"):
        frame.click("#checkout")
    with landed(playground, '"widget":"checkout"'):
        frame = playground.open_widget(CHECKOUT, {"sessionId": session_id})
    with landed(playground, "purchase_completed"):
        frame.click("#complete")
        frame.wait_for_function("() => !document.getElementById('done').hidden")

    journey = [
        "tool:search-target-products",
        "shown:product-carousel",
        "product_opened",
        "add_to_cart_pressed",
        "tool:add-to-cart",
        "shown:add-to-cart",
        "checkout_pressed",
        "tool:checkout",
        "shown:checkout",
        # The widget completes the purchase through the host: a tool call, then its own event.
        "tool:complete-purchase",
        "purchase_completed",
    ]

    def whole_journey() -> list[str] | None:
        events = events_of(playground.live, session_id)
        return events if events == journey else None

    # Tool calls are written in batches a moment after they are answered: wait for the last one.
    until(whole_journey, f"the journey {journey}", LOG_SECONDS, lambda: str(events_of(playground.live, session_id)))


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server and database of their own (its experiment must not vary other tests' carousels), with
    an admin and 300 simulated shoppers."""
    directory = tmp_path_factory.mktemp("dashboard")
    # A database of its own too (SQLite even in the services leg): the funnel counts every shopper
    # in it, and other tests' journeys must not add to the 300.
    with live_server(directory, DATABASE_URL="", SQLITE_PATH=str(directory / "dashboard.sqlite3")) as server:
        server.run_django(
            "from django.contrib.auth import get_user_model\n"
            f"get_user_model().objects.create_superuser('operator', 'ops@example.com', {ADMIN_PASSWORD!r})\n"
            "from django.core.management import call_command\n"
            "call_command('simulate_shoppers', '--shoppers', '300')\n"
        )
        yield server


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dashboard_renders_in_light_and_dark(
    browser: Any, dashboard_server: LiveServer, screenshots: Path, scheme: str
) -> None:
    context = browser.new_context(reduced_motion="reduce", color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Chromium asks for /favicon.ico on its own (a console 404); the pages' own requests must all succeed.
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    try:
        page.goto(f"{dashboard_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", ADMIN_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#console")
        assert page.title() == "Console | Target demo"
        assert int(page.inner_text("#orders-today")) >= 0
        assert page.locator("#console svg.sparkline").count() == 2
        assert page.locator("#console-verdict").inner_text()
        page.screenshot(path=str(screenshots / f"admin-console-{scheme}.png"), full_page=True)
        console_background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")

        page.click("text=Open the funnel ›")
        page.wait_for_selector("#funnel-report")
        assert "300" in page.inner_text("#funnel-report > p")
        assert page.locator("#drop-off").inner_text().startswith("Most shoppers leave before")
        assert page.locator("#verdict").inner_text()
        assert page.locator("svg.funnel").count() == 2
        # The chart labels take the admin's text colour, so they stay readable in either theme.
        label = page.evaluate("() => getComputedStyle(document.querySelector('svg.funnel text')).fill")
        text = page.evaluate("() => getComputedStyle(document.body).color")
        assert label == text
        page.screenshot(path=str(screenshots / f"admin-funnel-{scheme}.png"), full_page=True)
    finally:
        context.close()
    # The admin's --body-bg: white, or #121212 in its dark theme.
    assert console_background == {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 18, 18)"}[scheme]
    assert failed == []
