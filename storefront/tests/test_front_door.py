"""The front door at /: server-rendered, the one connector first, what is configured."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def front_door() -> str:
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_it_lists_the_one_connector_first_then_each_server(settings: Settings) -> None:
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    urls = re.findall(r'<code id="url-\d+">([^<]+)</code>', front_door())
    assert urls[:5] == [
        "https://shop.example.com/shop",
        "https://shop.example.com/mcp",
        "https://shop.example.com/mcp2",
        "https://shop.example.com/mcp3",
        "https://shop.example.com/mcp4",
    ]


def test_it_leaves_widget_only_tools_out_of_the_tool_lists() -> None:
    page = front_door()
    assert "search-target-products" in page and "checkout" in page
    assert "complete-purchase" not in page and "enroll-circle-360" not in page


def test_it_links_the_playground_admin_and_api_schema_and_gives_both_hosts_steps() -> None:
    page = front_door()
    for href in ('href="/playground/"', 'href="/admin/"', 'href="/api/schema/"'):
        assert href in page
    assert "Add it to ChatGPT" in page and "Add it to Claude" in page
    assert page.count('aria-label="Copy the ') == page.count('<code id="url-')


def test_it_says_what_is_configured_without_secrets(settings: Settings) -> None:
    settings.DEMO_OPEN_SIGNIN = True
    page = front_door()
    assert re.search(r"<th scope=\"row\">Catalog</th><td>the local demo catalog</td>", page)
    assert re.search(r"<th scope=\"row\">Database</th><td>(SQLite|PostgreSQL)</td>", page)
    assert re.search(r"Unknown emails create a shopper \(DEMO_OPEN_SIGNIN\)</th><td>on</td>", page)
    assert settings.SECRET_KEY not in page
