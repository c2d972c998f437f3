"""Circle 360's prices and trial length are stated once, on the model; the words the model reads
about them derive from there."""

from __future__ import annotations

from membership_mcp.models import Membership
from membership_mcp.tools import server

PRICES = (Membership.ANNUAL_PRICE, Membership.MONTHLY_PRICE, Membership.CIRCLE_CARD_ANNUAL_PRICE)


def test_no_tool_description_states_a_price() -> None:
    for tool in server.tools.values():
        assert "$" not in tool.description, tool.name
        for price in PRICES:
            assert f"{price:.2f}" not in tool.description and f"{price:.0f}/" not in tool.description, tool.name
