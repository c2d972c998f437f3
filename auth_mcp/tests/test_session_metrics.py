"""/metrics reports the live shopper sessions of every process, counted in the shared database."""

from __future__ import annotations

from tests.liveserver import LiveServer, sign_in, start_session

ACTIVE = "targetdemo_shopper_sessions_active"


async def test_active_sessions_follow_creation_and_sign_in(live: LiveServer) -> None:
    anonymous, signed_in = live.metric(ACTIVE, state="anonymous"), live.metric(ACTIVE, state="signed_in")

    session_id = await start_session(live)
    assert live.metric(ACTIVE, state="anonymous") == anonymous + 1

    sign_in(live, session_id)
    assert live.metric(ACTIVE, state="anonymous") == anonymous
    assert live.metric(ACTIVE, state="signed_in") == signed_in + 1
