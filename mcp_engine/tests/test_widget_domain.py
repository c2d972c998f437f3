"""``_meta.ui.domain``: declared only when the deployment has a dedicated widget origin."""

from __future__ import annotations

from pytest_django.fixtures import Settings

from mcp_engine.widgets import Widget

DOMAIN = "https://shop-example-com.oaiusercontent.com"


def test_no_domain_is_declared_by_default(settings: Settings) -> None:
    settings.MCP_WIDGET_DOMAIN = ""
    meta = Widget("fixtures", "test-card", "Test card", "A card.").meta
    assert "domain" not in meta["ui"] and "openai/widgetDomain" not in meta


def test_a_configured_domain_is_declared_for_both_host_families(settings: Settings) -> None:
    settings.MCP_WIDGET_DOMAIN = DOMAIN
    meta = Widget("fixtures", "test-card", "Test card", "A card.").meta
    assert meta["ui"]["domain"] == DOMAIN
    assert meta["openai/widgetDomain"] == DOMAIN
