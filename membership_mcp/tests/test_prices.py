"""Circle 360's prices and trial length are stated once, on the model; the words the model reads
about them derive from there."""

from __future__ import annotations

from auth_mcp.models import Shopper
from membership_mcp.models import TRIAL_DAYS, Membership
from membership_mcp.tools import server

PRICES = (Membership.ANNUAL_PRICE, Membership.MONTHLY_PRICE, Membership.CIRCLE_CARD_ANNUAL_PRICE)


def test_no_tool_description_states_a_price() -> None:
    for tool in server.tools.values():
        assert "$" not in tool.description, tool.name
        for price in PRICES:
            assert f"{price:.2f}" not in tool.description and f"{price:.0f}/" not in tool.description, tool.name


def test_the_trial_is_named_and_described_by_its_length_and_price() -> None:
    [trial] = [terms for terms in Membership.terms(Shopper(card_brand="Visa")) if terms.plan == Membership.Plan.TRIAL]

    assert Membership.Plan.TRIAL.label == trial.name == f"Free {TRIAL_DAYS}-day trial"
    assert trial.description.startswith(f"{TRIAL_DAYS} days of ")
    assert trial.description.endswith(f"then ${Membership.MONTHLY_PRICE}/month.")
