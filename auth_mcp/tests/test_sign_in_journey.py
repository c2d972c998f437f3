"""Signing in end to end: the official MCP client drives the tools, the widget's callbacks sign in."""

from __future__ import annotations

from mcp import Client

from tests.liveserver import LiveServer, callback, expire_session, sign_in, start_session, text_of
from tests.personas import LAUREN


async def test_a_shopper_signs_in_through_the_widget_callbacks(live: LiveServer) -> None:
    session_id = await start_session(live)
    assert session_id.startswith("sess_") and len(session_id) >= 5 + 22
    async with Client(f"{live.url}/mcp") as client:
        shown = await client.call_tool("authenticate-target", {"sessionId": session_id})
        assert shown.structured_content == {
            "sessionId": session_id,
            "authenticated": False,
            "name": None,
            "email": None,
        }
        assert "sign-in form" in text_of(shown)
        assert shown.meta is not None and shown.meta["apiBase"] == live.url
        status = sign_in(live, session_id)
        assert status == {
            "sessionId": session_id,
            "authenticated": True,
            "name": "Lauren Bailey",
            "email": LAUREN.email,
        }
        checked = await client.call_tool("get-target-auth-status", {"sessionId": session_id})
        again = await client.call_tool("authenticate-target", {"sessionId": session_id})
    assert checked.structured_content["authenticated"] is True
    assert "Lauren Bailey" in text_of(checked)
    assert "already signed in" in text_of(again)


async def test_the_tools_say_what_to_do_with_an_unknown_session(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp") as client:
        result = await client.call_tool("get-target-auth-status", {"sessionId": "sess_doesnotexist"})
    assert result.is_error
    assert "create-target-session" in text_of(result)


async def test_an_expired_session_tells_the_model_to_start_again(live: LiveServer) -> None:
    session_id = await start_session(live)
    expire_session(live, session_id)
    async with Client(f"{live.url}/mcp") as client:
        result = await client.call_tool("authenticate-target", {"sessionId": session_id})
    assert result.is_error
    assert "expired" in text_of(result) and "create-target-session" in text_of(result)
    answer = callback(
        live, "authenticate", {"sessionId": session_id, "email": LAUREN.email, "password": LAUREN.password}
    )
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "session_expired"


async def test_wrong_credentials_and_codes_are_refused_with_what_is_wrong(live: LiveServer) -> None:
    session_id = await start_session(live)
    wrong_password = callback(
        live, "authenticate", {"sessionId": session_id, "email": LAUREN.email, "password": "guess"}
    )
    assert wrong_password.status_code == 401
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"
    bad_email = callback(live, "authenticate", {"sessionId": session_id, "email": "not-an-email", "password": "x"})
    assert bad_email.status_code == 400 and bad_email.json()["error"]["field"] == "email"
    sent = callback(live, "authenticate", {"sessionId": session_id, "email": LAUREN.email, "password": LAUREN.password})
    code = sent.json()["demo_code"]
    wrong = "000000" if code != "000000" else "111111"
    tries = [callback(live, "verify", {"sessionId": session_id, "code": wrong}) for _ in range(5)]
    assert tries[0].status_code == 400 and tries[0].json()["error"]["code"] == "wrong_code"
    locked = callback(live, "verify", {"sessionId": session_id, "code": code})
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "too_many_attempts"
    async with Client(f"{live.url}/mcp") as client:
        status = await client.call_tool("get-target-auth-status", {"sessionId": session_id})
    assert status.structured_content["authenticated"] is False


async def test_no_secret_reaches_a_tool_result(live: LiveServer) -> None:
    session_id = await start_session(live)
    sent = callback(live, "authenticate", {"sessionId": session_id, "email": LAUREN.email, "password": LAUREN.password})
    async with Client(f"{live.url}/mcp") as client:
        status = await client.call_tool("get-target-auth-status", {"sessionId": session_id})
    everything = str(status.model_dump())
    assert sent.json()["demo_code"] not in everything and LAUREN.password not in everything
    assert "code" in text_of(status).lower()
