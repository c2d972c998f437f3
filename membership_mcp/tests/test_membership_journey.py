"""Circle 360 on /mcp4 and POST /api/membership/enroll, against a live server."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.liveserver import (
    LiveServer,
    call_tool,
    cents,
    new_key,
    post,
    reviewed,
    signed_in_session,
    start_session,
    structured,
    text_of,
)
from tests.personas import ANA, DANA, SAM, create_in

ENROLL = "/api/membership/enroll"
NOTEBOOK = "42191994"  # 4.29: far under the free-shipping threshold


async def status(live: LiveServer, session_id: str) -> dict[str, Any]:
    result = await call_tool(live, "/mcp4", "check-circle-membership", {"sessionId": session_id})
    assert not result.is_error, text_of(result)
    return {"text": text_of(result), **structured(result)}


async def test_a_shopper_who_is_not_a_member_hears_the_benefits_and_prices(live: LiveServer) -> None:
    shopper = ANA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    found = await status(live, session_id)
    assert found["circle360Member"] is False and found["currentMembership"] == "Circle"
    assert found["membership"] is None
    assert found["pricing"]["annual"] == "$99/year" and found["pricing"]["monthly"] == "$10.99/month"
    assert "14-day" in found["pricing"]["trial"] and "$49/year" in found["pricing"]["circleCard"]
    assert len(found["benefits"]) == 5 and "circle-signup" in found["text"]


async def test_ana_joins_on_the_annual_plan_and_the_membership_persists(live: LiveServer) -> None:
    shopper = ANA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    offer = await call_tool(live, "/mcp4", "circle-signup", {"sessionId": session_id})
    plans = {plan["plan"]: plan for plan in offer.structured_content["plans"]}
    tax = cents(Decimal("99.00") * settings.SALES_TAX_RATE)
    assert plans["annual"]["subtotal"] == "99.00" and plans["annual"]["tax"] == f"{tax:.2f}"
    assert plans["annual"]["total"] == f"{Decimal('99.00') + tax:.2f}"
    assert plans["monthly"]["price"] == "10.99"
    assert plans["trial"]["total"] == "0.00" and plans["trial"]["price"] == "10.99"
    # What the widget shows besides the plans' own prices comes from the result too, never from its HTML.
    assert [plans[name]["trialDays"] for name in ("annual", "monthly", "trial")] == [None, None, 14]
    assert offer.structured_content["circleCardAnnualPrice"] == "49.00"
    assert offer.structured_content["payment"] == "Visa •••• 5556"

    key = new_key()
    enrolled = await post(live, ENROLL, {"sessionId": session_id, "plan": "annual"}, key)
    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    assert body["status"] == "active" and body["plan"] == "annual" and body["total"] == plans["annual"]["total"]
    assert (await post(live, ENROLL, {"sessionId": session_id, "plan": "annual"}, key)).json() == body

    # A new conversation sees the same membership: it lives in the database, not the session.
    found = await status(live, await signed_in_session(live, shopper))
    started = date.fromisoformat(body["startedOn"])
    assert found["circle360Member"] is True and found["currentMembership"] == "Circle 360"
    assert found["membership"]["plan"] == "annual" and found["membership"]["since"] == body["startedOn"]
    assert found["membership"]["renewsOn"] == started.replace(year=started.year + 1).isoformat()
    assert "is a Circle 360 member" in found["text"]

    again = await call_tool(live, "/mcp4", "circle-signup", {"sessionId": session_id})
    assert again.structured_content["circle360Member"] is True
    assert again.structured_content["membership"]["plan"] == "annual"
    second = await post(live, ENROLL, {"sessionId": session_id, "plan": "monthly"}, new_key())
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_member"


async def test_members_get_free_shipping_at_checkout(live: LiveServer) -> None:
    shopper = ANA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": NOTEBOOK})
    before = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert before.structured_content["shipping"] == f"{settings.SHIPPING_FEE:.2f}"

    trial = await post(live, ENROLL, {"sessionId": session_id, "plan": "trial"}, new_key())
    assert trial.status_code == 200 and trial.json()["total"] == "0.00"
    assert (
        trial.json()["trialEndsOn"] == (date.fromisoformat(trial.json()["startedOn"]) + timedelta(days=14)).isoformat()
    )

    after = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert after.structured_content["circle360Member"] is True
    assert after.structured_content["shipping"] == "0.00"
    assert (
        Decimal(after.structured_content["total"])
        == Decimal(before.structured_content["total"]) - settings.SHIPPING_FEE
    )
    completed = await post(live, "/api/checkout/complete", await reviewed(live, session_id), new_key())
    assert completed.json()["shipping"] == "0.00"


async def test_a_circle_card_holder_is_offered_the_annual_plan_at_49(live: LiveServer) -> None:
    shopper = SAM.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    offer = await call_tool(live, "/mcp4", "circle-signup", {"sessionId": session_id})
    assert offer.structured_content["circleCardHolder"] is True
    annual = next(plan for plan in offer.structured_content["plans"] if plan["plan"] == "annual")
    assert annual["price"] == "49.00" and annual["subtotal"] == "49.00"
    enrolled = await post(live, ENROLL, {"sessionId": session_id, "plan": "annual"}, new_key())
    assert enrolled.json()["price"] == "49.00" and enrolled.json()["total"] == annual["total"]


async def test_a_declined_card_does_not_enrol(live: LiveServer) -> None:
    shopper = DANA.fresh()  # card ending 0002
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    declined = await post(live, ENROLL, {"sessionId": session_id, "plan": "monthly"}, new_key())
    assert declined.status_code == 402
    assert declined.json()["error"]["message"].startswith("Your card was declined.")
    assert (await status(live, session_id))["circle360Member"] is False


async def test_twenty_concurrent_enrolments_with_one_key_make_one_membership(live: LiveServer) -> None:
    shopper = ANA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    key = new_key()
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        answers = await asyncio.gather(
            *(
                http.post(ENROLL, json={"sessionId": session_id, "plan": "monthly"}, headers={"Idempotency-Key": key})
                for _ in range(20)
            )
        )
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    count = live.run_django(
        f"from membership_mcp.models import Membership\nresult = Membership.objects.filter(shopper__email={shopper.email!r}).count()",
    )
    assert count == 1


async def test_membership_tools_need_a_signed_in_session(live: LiveServer) -> None:
    session_id = await start_session(live)
    for tool in ("check-circle-membership", "circle-signup"):
        result = await call_tool(live, "/mcp4", tool, {"sessionId": session_id})
        assert result.is_error and "authenticate-target" in text_of(result)
    refused = await post(live, ENROLL, {"sessionId": session_id, "plan": "annual"}, new_key())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_signed_in"


@pytest.mark.parametrize(
    ("body", "key", "field"),
    [
        ({"plan": "lifetime"}, "k" * 16, "plan"),
        ({"plan": "annual"}, None, "Idempotency-Key"),
    ],
)
async def test_enrolment_input_is_checked(live: LiveServer, body: dict[str, str], key: str | None, field: str) -> None:
    refused = await post(live, ENROLL, {"sessionId": "sess_" + "q" * 32, **body}, key)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_input" and refused.json()["error"]["field"] == field
