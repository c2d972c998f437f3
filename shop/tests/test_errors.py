"""The one error hierarchy, mapped once each way: to the callback API's answers and to tool errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.http import Http404
from pydantic import BaseModel
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from auth_mcp.models import ShopperSession
from auth_mcp.tools import server as sign_in
from checkout_mcp.tools import server as checkout
from mcp_engine import Context, MCPServer, ToolResult
from membership_mcp.tools import server as circle_360
from shop.api import CallbackView, IdempotentCallbackView
from shop.errors import ShopError

SESSION = "sess_" + "A" * 32


class GiftCardExhausted(ShopError):
    code = "gift_card_exhausted"
    status = 402
    field = "giftCard"


class Raising(CallbackView):
    """A callback that validates its body, then fails the way the test asks."""

    failure: Exception = RuntimeError("no failure chosen")

    def post(self, request: Request) -> Response:
        self.validated(request)
        raise self.failure


def post(failure: Exception, body: Any = None, **view_options: Any) -> Response:
    view = Raising.as_view(failure=failure, **view_options)
    request = APIRequestFactory().post("/api/test", body or {"sessionId": SESSION}, format="json")
    response: Response = view(request)
    return response


def test_a_shop_error_answers_with_its_declared_status_code_and_field() -> None:
    response = post(GiftCardExhausted("The gift card has no balance left. Pay with the card on file."))
    assert response.status_code == 402
    assert response.data == {
        "error": {
            "code": "gift_card_exhausted",
            "message": "The gift card has no balance left. Pay with the card on file.",
            "field": "giftCard",
        }
    }


def test_invalid_input_names_the_field_and_the_fix() -> None:
    response = post(RuntimeError("never reached"), body={"sessionId": ""})
    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid_input",
            "message": "sessionId is empty: pass the sessionId from create-target-session.",
            "field": "sessionId",
        }
    }


def test_malformed_json_is_named_as_such() -> None:
    request = APIRequestFactory().post("/api/test", "{not json", content_type="application/json")
    response = Raising.as_view(failure=RuntimeError("never reached"))(request)
    assert response.status_code == 400
    assert response.data["error"]["code"] == "malformed_json"


def test_a_throttled_callback_says_what_was_throttled_and_when_to_retry(settings: Any) -> None:
    settings.SHOP_RATE_PER_SESSION = "1/min"
    assert post(Http404()).status_code == 404
    response = post(Http404())
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    message = response.data["error"]["message"]
    assert message == f"Too many requests for this session. Try again in {response['Retry-After']} seconds."
    assert response.data["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("wait", "said"), [(0.2, "1 second"), (1, "1 second"), (29.4, "30 seconds"), (30, "30 seconds")]
)
def test_a_throttled_answer_says_to_wait_exactly_its_retry_after_seconds(wait: float, said: str) -> None:
    response = post(Throttled(wait=wait))

    assert response.status_code == 429
    assert response["Retry-After"] == said.split()[0]
    assert response.data["error"]["message"] == f"Too many requests for this session. Try again in {said}."


class Charging(IdempotentCallbackView):
    def post(self, request: Request) -> Response:
        self.validated_with_key(request)
        return Response({})


@pytest.mark.parametrize("key", [None, "short"], ids=["missing", "malformed"])
def test_a_bad_idempotency_key_is_refused_saying_to_resend_it_on_a_retry(key: str | None) -> None:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    request = APIRequestFactory().post("/api/test", {"sessionId": SESSION}, format="json", **headers)
    response = Charging.as_view()(request)

    assert response.status_code == 400
    error = response.data["error"]
    assert error["field"] == "Idempotency-Key"
    assert "new for each new request and the same one when retrying it" in error["message"]


def test_django_and_drf_failures_answer_in_the_same_shape() -> None:
    response = post(Http404("No such order."))
    assert response.status_code == 404
    assert response.data == {"error": {"code": "not_found", "message": "No such order.", "field": None}}


@pytest.mark.django_db
def test_a_wrong_method_on_a_real_callback_is_a_json_405() -> None:
    response = APIClient().get("/api/checkout/complete")
    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": 'Method "GET" not allowed.', "field": None}
    }


def test_an_unexpected_failure_is_logged_with_a_request_id_and_answers_only_that(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="shop.api"):
        response = post(RuntimeError("database password is hunter2"))
    assert response.status_code == 500
    error = response.data["error"]
    [record] = caplog.records
    assert error["code"] == "internal_error" and error["field"] is None
    assert record.request_id in error["message"]  # type: ignore[attr-defined]
    assert "hunter2" not in error["message"] and "Traceback" not in error["message"]
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


# -- tool errors --------------------------------------------------------------------------------

demo = MCPServer(name="errors-demo", version="1.0.0", uses_database=False, expected_errors=(ShopError,))


class Redeemed(BaseModel):
    balance: str


@demo.tool(
    name="redeem-gift-card",
    title="Redeem a gift card",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
)
async def redeem_gift_card(fail_with: str) -> ToolResult[Redeemed]:
    """Fails the way it is asked to."""
    if fail_with == "shop":
        raise GiftCardExhausted("The gift card has no balance left. Pay with the card on file.")
    raise RuntimeError("not a shop failure")


async def call(server: MCPServer, name: str, **arguments: Any) -> dict[str, Any]:
    ctx = Context(server=server, modern=False, protocol_version="2025-06-18")
    return await server.handle("tools/call", {"name": name, "arguments": arguments}, ctx)


async def test_an_expected_error_becomes_a_tool_error_with_its_message() -> None:
    result = await call(demo, "redeem-gift-card", fail_with="shop")
    assert result == {
        "content": [{"type": "text", "text": "The gift card has no balance left. Pay with the card on file."}],
        "isError": True,
    }


async def test_any_other_exception_is_left_to_the_transport_as_an_internal_error() -> None:
    with pytest.raises(RuntimeError, match="not a shop failure"):
        await call(demo, "redeem-gift-card", fail_with="other")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("server", "tool"),
    [
        (checkout, "checkout"),
        (checkout, "add-to-cart"),
        (circle_360, "check-circle-membership"),
        (circle_360, "circle-signup"),
    ],
)
async def test_the_shop_servers_answer_a_session_that_is_not_signed_in_as_a_tool_error(
    server: MCPServer, tool: str
) -> None:
    session = await ShopperSession.objects.astart()
    arguments = {"sessionId": session.handle} | ({"productId": "38098260"} if tool == "add-to-cart" else {})
    result = await call(server, tool, **arguments)
    assert result["isError"] is True
    assert result["content"][0]["text"] == (
        f"The shopper is not signed in on session {session.handle}. Call authenticate-target with this "
        "sessionId so they can sign in, then try again."
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("server", "tool"),
    [(sign_in, "get-target-auth-status"), (checkout, "checkout"), (circle_360, "check-circle-membership")],
)
async def test_the_servers_answer_an_unknown_session_as_a_tool_error(server: MCPServer, tool: str) -> None:
    result = await call(server, tool, sessionId=SESSION)
    assert result["isError"] is True
    assert result["content"][0]["text"].startswith(f"Session '{SESSION}' does not exist. Call create-target-session")
