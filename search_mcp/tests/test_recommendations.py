"""get-agentforce-recommendations on the local catalog, for nobody in particular and for named shoppers.

Lauren Bailey (the demo shopper) runs, tracks her sleep and owns a Fitbit Charge 5; Marcus Chen
games and drinks coffee. They ask for the same thing and should not get the same advice.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.liveserver import LiveServer, signed_in_session, start_session
from tests.personas import MARCUS, create_in

RECOMMEND = "get-agentforce-recommendations"
LAUREN_CHARGE_5 = "67814746"


@pytest.fixture(scope="module")
async def sessions(live: LiveServer) -> dict[str, str]:
    """Signed-in sessions for Lauren and Marcus, and an anonymous one."""
    marcus = MARCUS.fresh()
    create_in(live, marcus)
    return {
        "lauren": await signed_in_session(live),
        "marcus": await signed_in_session(live, marcus),
        "anonymous": await start_session(live),
    }


async def recommend(live: LiveServer, **arguments: Any) -> Any:
    async with Client(f"{live.url}/mcp2") as client:
        return await client.call_tool(RECOMMEND, arguments)


async def test_without_a_session_it_ranks_by_ratings_and_says_so(live: LiveServer) -> None:
    result = await recommend(live, query="fitbit")
    picks = result.structured_content

    assert not result.is_error and picks["personalized"] is False
    assert "Not personalised" in picks["basis"] and "Not personalised" in result.content[0].text
    assert all(pick["reasons"][0].startswith("Rated ") for pick in picks["products"])
    assert picks["products"][0]["title"].startswith("Fitbit Inspire 3")  # 4.8 stars from 1,017 reviews


async def test_two_shoppers_get_different_picks_with_their_own_reasons(
    live: LiveServer, sessions: dict[str, str]
) -> None:
    lauren = (await recommend(live, query="fitbit", sessionId=sessions["lauren"])).structured_content
    marcus = (await recommend(live, query="fitbit", sessionId=sessions["marcus"])).structured_content

    assert lauren["personalized"] and marcus["personalized"]
    assert "Lauren Bailey" in lauren["basis"] and "Marcus Chen" in marcus["basis"]
    assert [p["id"] for p in lauren["products"]] != [p["id"] for p in marcus["products"]]
    lauren_reasons = [" ".join(p["reasons"]) for p in lauren["products"]]
    assert "Fitbit Charge 5" in lauren_reasons[0] and "you own" in lauren_reasons[0]
    assert any("interest in running" in reasons for reasons in lauren_reasons)
    assert all("you own" not in " ".join(p["reasons"]) for p in marcus["products"])


async def test_it_never_recommends_what_the_shopper_owns(live: LiveServer, sessions: dict[str, str]) -> None:
    result = await recommend(live, query="fitbit charge 5", sessionId=sessions["lauren"])

    assert LAUREN_CHARGE_5 not in [p["id"] for p in result.structured_content["products"]]
    assert f"(id {LAUREN_CHARGE_5}): you already own it" in result.content[0].text


async def test_an_anonymous_session_falls_back_to_ratings(live: LiveServer, sessions: dict[str, str]) -> None:
    result = await recommend(live, query="fitbit", sessionId=sessions["anonymous"])

    assert not result.is_error and result.structured_content["personalized"] is False
    assert "not signed in yet" in result.structured_content["basis"]


async def test_an_unknown_session_is_a_clear_error(live: LiveServer) -> None:
    result = await recommend(live, query="fitbit", sessionId="sess_" + "x" * 32)

    assert result.is_error
    assert "does not exist" in result.content[0].text and "create-target-session" in result.content[0].text


async def test_it_rejects_an_empty_query(live: LiveServer) -> None:
    result = await recommend(live, query=" ")

    assert result.is_error and "query: String should have at least 1 character" in result.content[0].text
