"""The sign-in tools, dispatched in-process through the engine (live-server tests come with the engine)."""

from __future__ import annotations

from typing import Any

import pytest

from auth_mcp import services
from auth_mcp.models import Shopper, ShopperSession
from auth_mcp.tests.conftest import Clock
from auth_mcp.tools import server
from mcp_engine import Context
from tests.personas import MARCUS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def call(name: str, **arguments: Any) -> dict[str, Any]:
    ctx = Context(server=server, modern=False, protocol_version="2025-06-18")
    return await server.handle("tools/call", {"name": name, "arguments": arguments}, ctx)


def text(result: dict[str, Any]) -> str:
    shown = result["content"][0]["text"]
    assert isinstance(shown, str)
    return shown


async def test_create_target_session_starts_an_anonymous_session() -> None:
    result = await call("create-target-session")
    status = result["structuredContent"]
    assert not result["isError"]
    assert status["sessionId"].startswith("sess_")
    assert status["authenticated"] is False and status["name"] is None
    assert "authenticate-target" in text(result)
    assert await ShopperSession.objects.filter(handle=status["sessionId"]).aexists()


async def test_authenticate_target_asks_the_shopper_to_use_the_form() -> None:
    session = await ShopperSession.objects.astart()
    result = await call("authenticate-target", sessionId=session.handle)
    assert result["structuredContent"] == {
        "sessionId": session.handle,
        "authenticated": False,
        "name": None,
        "email": None,
    }
    assert "sign-in form" in text(result)


async def test_authenticate_target_reports_a_shopper_already_signed_in(marcus_signed_in: ShopperSession) -> None:
    result = await call("authenticate-target", sessionId=marcus_signed_in.handle)
    assert result["structuredContent"]["authenticated"] is True
    assert "Marcus Chen (marcus.chen@example.com) is already signed in" in text(result)


async def test_auth_status_names_the_signed_in_shopper_and_no_secrets(marcus_signed_in: ShopperSession) -> None:
    result = await call("get-target-auth-status", sessionId=marcus_signed_in.handle)
    assert result["structuredContent"] == {
        "sessionId": marcus_signed_in.handle,
        "authenticated": True,
        "name": "Marcus Chen",
        "email": "marcus.chen@example.com",
    }
    assert set(result["structuredContent"]) == {"sessionId", "authenticated", "name", "email"}


async def test_auth_status_says_a_code_is_waiting_to_be_entered(marcus_code_sent: ShopperSession) -> None:
    result = await call("get-target-auth-status", sessionId=marcus_code_sent.handle)
    assert result["structuredContent"]["authenticated"] is False
    assert result["structuredContent"]["name"] is None
    assert "code was texted" in text(result)


async def test_tools_tell_the_model_to_start_over_when_the_session_expired(clock: Clock) -> None:
    session = await ShopperSession.objects.astart()
    clock.advance(minutes=10)
    result = await call("get-target-auth-status", sessionId=session.handle)
    assert result["isError"] is True
    assert "create-target-session again" in text(result)


async def test_tools_reject_an_unknown_session() -> None:
    result = await call("authenticate-target", sessionId="sess_" + "N" * 32)
    assert result["isError"] is True
    assert "Call create-target-session" in text(result)


async def test_tools_reject_a_missing_session_id() -> None:
    result = await call("get-target-auth-status")
    assert result["isError"] is True
    assert "sessionId" in text(result)


def test_each_tool_declares_annotations_status_texts_and_an_output_schema() -> None:
    for name in ["create-target-session", "authenticate-target", "get-target-auth-status"]:
        tool = server.tools[name]
        assert set(tool.annotations) == {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
        assert tool.invoking and tool.invoked
        assert tool.output_schema is not None
        assert set(tool.output_schema["properties"]) == {"sessionId", "authenticated", "name", "email"}
    assert server.tools["authenticate-target"].widget is not None
    assert server.tools["create-target-session"].input_schema["properties"] == {}
    assert server.tools["authenticate-target"].input_schema["required"] == ["sessionId"]


@pytest.fixture
def marcus_code_sent(marcus_shopper: Shopper) -> ShopperSession:
    session = ShopperSession.objects.start()
    services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    return session


@pytest.fixture
def marcus_signed_in(marcus_shopper: Shopper) -> ShopperSession:
    session = ShopperSession.objects.start()
    services.verify_code(session, services.start_sign_in(session, marcus_shopper.email, MARCUS.password).code)
    return session
