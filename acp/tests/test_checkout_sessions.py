"""The checkout-session API: the authoritative cart state it answers, priced by the shop's rules."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.conf import settings

from acp.tests.conftest import FITBIT, NOTEBOOK, US_ADDRESS, Agent, ready_body
from membership_mcp.models import Membership
from tests.personas import LAUREN

pytestmark = pytest.mark.django_db


def amounts(totals: list[dict[str, object]]) -> dict[object, object]:
    return {total["type"]: total["amount"] for total in totals}


def test_create_answers_201_with_the_cart_in_minor_units(agent: Agent) -> None:
    session = agent.create({"currency": "usd", "line_items": [{"id": NOTEBOOK}, {"id": NOTEBOOK}]})
    assert session["id"].startswith("cs_") and session["currency"] == "usd"
    [line] = session["line_items"]
    assert line["item"]["id"] == NOTEBOOK and line["quantity"] == 2 and line["unit_amount"] == 429
    assert amounts(line["totals"]) == {"items_base_amount": 858, "subtotal": 858, "tax": 75, "total": 933}
    assert amounts(session["totals"]) == {"items_base_amount": 858, "subtotal": 858, "tax": 75, "total": 933}
    assert session["capabilities"]["payment"]["handlers"][0]["id"] == "card_tokenized"
    assert session["protocol"] == {"version": "2026-04-17"}


def test_without_an_address_it_is_not_ready_and_says_what_is_missing(agent: Agent) -> None:
    session = agent.create({"currency": "usd", "line_items": [{"id": NOTEBOOK}]})
    assert session["status"] == "not_ready_for_payment"
    assert session["fulfillment_options"] == []
    [message] = session["messages"]
    assert message["type"] == "error" and message["code"] == "missing"
    assert message["param"] == "$.fulfillment_details.address"


def test_a_us_address_offers_standard_and_express_and_selects_standard(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    assert session["status"] == "ready_for_payment" and session["messages"] == []
    options = {option["id"]: amounts(option["totals"])["total"] for option in session["fulfillment_options"]}
    assert options == {"standard": 599, "express": 1499}
    assert session["selected_fulfillment_options"] == [
        {"type": "shipping", "option_id": "standard", "item_ids": [NOTEBOOK]}
    ]
    # 4.29 + 8.75% tax (0.38) + 5.99 shipping under the free-shipping threshold.
    assert amounts(session["totals"])["fulfillment"] == 599
    assert amounts(session["totals"])["total"] == 429 + 38 + 599


def test_orders_over_the_threshold_ship_free(agent: Agent) -> None:
    session = agent.create(ready_body(FITBIT))
    assert amounts(session["totals"]) == {
        "items_base_amount": 15995,
        "subtotal": 15995,
        "tax": 1400,
        "fulfillment": 0,
        "total": 17395,
    }


def test_a_circle_360_member_buyer_keeps_free_standard_shipping(agent: Agent) -> None:
    Membership.objects.create(
        shopper=LAUREN.shopper(),
        plan=Membership.Plan.ANNUAL,
        status=Membership.Status.ACTIVE,
        price="99.00",
        subtotal="99.00",
        tax="8.66",
        total="107.66",
        card_brand="Visa",
        card_last4="4242",
        started_on=date.today(),
        renews_on=date.today() + timedelta(days=365),
        idempotency_key="lauren-membership-for-acp",
    )
    session = agent.create(ready_body(NOTEBOOK, email=LAUREN.email))
    assert amounts(session["totals"])["fulfillment"] == 0
    assert any("Circle 360" in message["content"] for message in session["messages"])


def test_update_selects_express_and_reprices(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.post(
        f"/acp/checkout_sessions/{session['id']}",
        {"selected_fulfillment_options": [{"type": "shipping", "option_id": "express", "item_ids": [NOTEBOOK]}]},
    )
    assert answer.status_code == 200
    assert amounts(answer.json()["totals"])["fulfillment"] == int(settings.EXPRESS_SHIPPING_FEE * 100)
    assert answer.json()["selected_fulfillment_options"][0]["option_id"] == "express"


def test_update_replaces_the_items(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.post(f"/acp/checkout_sessions/{session['id']}", {"line_items": [{"id": FITBIT, "quantity": 2}]})
    [line] = answer.json()["line_items"]
    assert line["item"]["id"] == FITBIT and line["quantity"] == 2


def test_an_unknown_item_is_a_400_naming_it_by_jsonpath(agent: Agent) -> None:
    answer = agent.post("/acp/checkout_sessions", {"currency": "usd", "line_items": [{"id": NOTEBOOK}, {"id": "999"}]})
    assert answer.status_code == 400
    assert answer.json()["type"] == "invalid_request"
    assert answer.json()["param"] == "$.line_items[1].id"


def test_too_many_of_one_product_is_a_400_naming_the_quantity(agent: Agent) -> None:
    answer = agent.post("/acp/checkout_sessions", {"line_items": [{"id": NOTEBOOK, "quantity": 99}, {"id": NOTEBOOK}]})
    assert answer.status_code == 400
    assert answer.json()["code"] == "quantity_exceeded" and answer.json()["param"] == "$.line_items[1].quantity"


def test_a_malformed_field_is_a_400_with_its_jsonpath(agent: Agent) -> None:
    body = ready_body(NOTEBOOK)
    body["fulfillment_details"]["address"] = {**US_ADDRESS, "city": ""}
    answer = agent.post("/acp/checkout_sessions", body)
    assert answer.status_code == 400
    assert answer.json()["param"] == "$.fulfillment_details.address.city"


def test_a_non_us_address_gets_no_shipping_options_and_a_message(agent: Agent) -> None:
    body = ready_body(NOTEBOOK)
    body["fulfillment_details"]["address"] = {**US_ADDRESS, "country": "CA"}
    session = agent.create(body)
    assert session["status"] == "not_ready_for_payment" and session["fulfillment_options"] == []
    assert session["messages"][0]["code"] == "region_restricted"


def test_an_unoffered_option_is_a_400(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.post(
        f"/acp/checkout_sessions/{session['id']}", {"selected_fulfillment_options": [{"option_id": "drone"}]}
    )
    assert answer.status_code == 400 and answer.json()["param"] == "$.selected_fulfillment_options[0].option_id"


def test_retrieve_answers_the_same_state(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.get(f"/acp/checkout_sessions/{session['id']}")
    assert answer.status_code == 200 and answer.json() == session


def test_another_platforms_session_does_not_exist_for_it(agent: Agent, other_agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = other_agent.get(f"/acp/checkout_sessions/{session['id']}")
    assert answer.status_code == 404 and answer.json()["type"] == "invalid_request"


def test_cancel_cancels_once_then_answers_405(agent: Agent) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    canceled = agent.post(f"/acp/checkout_sessions/{session['id']}/cancel", {})
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert canceled.json()["messages"][0]["type"] == "info"
    again = agent.post(f"/acp/checkout_sessions/{session['id']}/cancel", {})
    assert again.status_code == 405
    update = agent.post(f"/acp/checkout_sessions/{session['id']}", {"line_items": [{"id": FITBIT}]})
    assert update.status_code == 405


@pytest.mark.parametrize("body", [False, 0, [], ""])
def test_a_cancel_whose_body_is_not_an_object_is_refused_and_cancels_nothing(agent: Agent, body: object) -> None:
    session = agent.create(ready_body(NOTEBOOK))
    answer = agent.post(f"/acp/checkout_sessions/{session['id']}/cancel", json.dumps(body))
    assert answer.status_code == 400 and answer.json()["type"] == "invalid_request"
    assert agent.get(f"/acp/checkout_sessions/{session['id']}").json()["status"] != "canceled"


def test_discovery_is_public_and_cacheable(agent: Agent) -> None:
    answer = agent.client.get("/.well-known/acp.json")
    assert answer.status_code == 200 and answer["Cache-Control"] == "public, max-age=3600"
    document = answer.json()
    assert document["protocol"]["name"] == "acp" and "2026-04-17" in document["protocol"]["supported_versions"]
    assert document["api_base_url"] == f"{settings.PUBLIC_BASE_URL}/acp"
    assert document["transports"] == ["rest", "mcp"] and "checkout" in document["capabilities"]["services"]


def test_a_body_that_is_not_json_is_a_415_error_object(agent: Agent) -> None:
    answer = agent.client.post(
        "/acp/checkout_sessions",
        "currency=usd",
        content_type="application/x-www-form-urlencoded",
        headers=agent.headers(**{"Idempotency-Key": "form-body"}),
    )
    assert answer.status_code == 415
    assert answer.json() == {
        "type": "invalid_request",
        "code": "invalid",
        "message": "Send the body as application/json.",
    }
