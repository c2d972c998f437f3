"""checkout on /mcp3 and POST /api/checkout/complete: from cart to order, against a live server."""

from __future__ import annotations

import asyncio
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
from tests.personas import DANA, PRIYA, THEO, Persona, create_in

COTTON_ROUNDS = "31508397"  # 2.49
NOTEBOOK = "42191994"  # 4.29
FITBIT = "38098260"  # 159.95
COMPLETE = "/api/checkout/complete"
# A summary version for requests refused before any cart is compared.
UNSEEN = "0" * 32


async def add(live: LiveServer, session_id: str, product_id: str, quantity: int = 1) -> None:
    result = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": product_id, "quantity": quantity}
    )
    assert not result.is_error, text_of(result)


async def checkout(live: LiveServer, session_id: str) -> dict[str, Any]:
    result = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert not result.is_error, text_of(result)
    return structured(result)


def stored_order(live: LiveServer, number: str) -> dict[str, Any]:
    return dict(
        live.run_django(
            f"""
from checkout_mcp.models import Order
order = Order.objects.select_related("payment", "shopper").get(number={number!r})
result = {{
    "shopper": order.shopper.email,
    "status": order.status,
    "lines": [[l.product_id, str(l.unit_price), l.quantity, str(l.line_total)] for l in order.lines.all()],
    "subtotal": str(order.subtotal), "shipping": str(order.shipping), "tax": str(order.tax), "total": str(order.total),
    "payment": [order.payment.status, str(order.payment.amount), order.payment.card_last4],
    "orders_with_key": Order.objects.filter(idempotency_key=order.idempotency_key).count(),
}}
""",
        )
    )


def set_card(live: LiveServer, shopper: Persona, last4: str) -> None:
    """What a presenter does in the admin: change the card on file."""
    live.run_django(
        f"from auth_mcp.models import Shopper\nShopper.objects.filter(email={shopper.email!r}).update(card_last4={last4!r})"
    )


async def test_priya_buys_two_products_and_the_order_matches_the_summary_to_the_cent(live: LiveServer) -> None:
    buyer, neighbour = PRIYA.fresh(), THEO.fresh()
    create_in(live, buyer, neighbour)
    priya_session, theo_session = await signed_in_session(live, buyer), await signed_in_session(live, neighbour)
    await add(live, theo_session, FITBIT)
    theo_before = await checkout(live, theo_session)

    await add(live, priya_session, COTTON_ROUNDS)
    await add(live, priya_session, NOTEBOOK)
    await add(live, priya_session, COTTON_ROUNDS)
    summary = await checkout(live, priya_session)

    subtotal = Decimal("2.49") * 2 + Decimal("4.29")
    tax = cents(subtotal * settings.SALES_TAX_RATE)
    assert [(line["productId"], line["quantity"]) for line in summary["lines"]] == [(COTTON_ROUNDS, 2), (NOTEBOOK, 1)]
    assert summary["itemCount"] == 3
    assert summary["subtotal"] == "9.27"
    assert summary["shipping"] == f"{settings.SHIPPING_FEE:.2f}"  # under the free-shipping threshold
    assert summary["tax"] == f"{tax:.2f}"
    assert summary["total"] == f"{subtotal + settings.SHIPPING_FEE + tax:.2f}"
    assert summary["payment"] == "Visa •••• 4242, expires 12/2030"
    assert summary["shipTo"] == ["Priya Natarajan", "1200 Nicollet Mall", "Minneapolis, MN 55403", "US"]

    completed = await post(live, COMPLETE, {"sessionId": priya_session, "version": summary["version"]}, new_key())
    assert completed.status_code == 200, completed.text
    order = completed.json()
    assert order["orderNumber"].startswith("TGT-") and len(order["orderNumber"]) == 13
    assert order["status"] == "placed"
    assert {key: order[key] for key in ("subtotal", "shipping", "tax", "total")} == {
        key: summary[key] for key in ("subtotal", "shipping", "tax", "total")
    }

    stored = stored_order(live, order["orderNumber"])
    assert stored["shopper"] == buyer.email
    assert stored["lines"] == [[COTTON_ROUNDS, "2.49", 2, "4.98"], [NOTEBOOK, "4.29", 1, "4.29"]]
    assert [stored[key] for key in ("subtotal", "shipping", "tax", "total")] == [
        summary[key] for key in ("subtotal", "shipping", "tax", "total")
    ]
    assert stored["payment"] == ["succeeded", summary["total"], "4242"]

    emptied = await call_tool(live, "/mcp3", "checkout", {"sessionId": priya_session})
    assert emptied.is_error and "cart is empty" in text_of(emptied)
    assert await checkout(live, theo_session) == theo_before


async def test_a_repeated_complete_returns_the_same_order(live: LiveServer) -> None:
    buyer = PRIYA.fresh()
    create_in(live, buyer)
    session_id = await signed_in_session(live, buyer)
    await add(live, session_id, FITBIT)
    key, body = new_key(), await reviewed(live, session_id)
    first = await post(live, COMPLETE, body, key)
    again = await post(live, COMPLETE, body, key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["shipping"] == "0.00"  # over the free-shipping threshold
    assert stored_order(live, first.json()["orderNumber"])["orders_with_key"] == 1


async def test_fifty_concurrent_completes_with_one_key_place_one_order(live: LiveServer) -> None:
    buyer = PRIYA.fresh()
    create_in(live, buyer)
    session_id = await signed_in_session(live, buyer)
    await add(live, session_id, NOTEBOOK, 3)
    await add(live, session_id, FITBIT)
    key, body = new_key(), await reviewed(live, session_id)
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=live.url, timeout=60, limits=limits) as http:
        answers = await asyncio.gather(
            *(http.post(COMPLETE, json=body, headers={"Idempotency-Key": key}) for _ in range(50))
        )
    assert {answer.status_code for answer in answers} == {200}
    bodies = [answer.content for answer in answers]
    assert len(set(bodies)) == 1
    number = answers[0].json()["orderNumber"]
    orders = live.run_django(
        f"from checkout_mcp.models import Order\nresult = list(Order.objects.filter(shopper__email={buyer.email!r}).values_list('number', flat=True))",
    )
    assert orders == [number]


async def test_a_declined_card_keeps_the_cart_and_records_the_payment(live: LiveServer) -> None:
    shopper = DANA.fresh()  # card ending 0002
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    await add(live, session_id, NOTEBOOK, 2)
    before = await checkout(live, session_id)

    key, body = new_key(), {"sessionId": session_id, "version": before["version"]}
    declined = await post(live, COMPLETE, body, key)
    assert declined.status_code == 402
    assert declined.json()["error"]["code"] == "card_declined"
    assert declined.json()["error"]["message"].startswith("Your card was declined.")
    assert "cart is unchanged" in declined.json()["error"]["message"]
    assert (await post(live, COMPLETE, body, key)).json() == declined.json()
    assert await checkout(live, session_id) == before
    payments = live.run_django(
        "from checkout_mcp.models import Payment\n"
        f"result = list(Payment.objects.filter(order__shopper__email={shopper.email!r}).values_list('status', 'card_last4', 'decline_reason'))",
    )
    assert payments == [["declined", "0002", "Your card was declined."]]

    set_card(live, shopper, "4242")
    paid = await post(live, COMPLETE, body, new_key())
    assert paid.status_code == 200 and paid.json()["total"] == before["total"]


async def test_insufficient_funds_is_its_own_decline(live: LiveServer) -> None:
    shopper = DANA.fresh()
    create_in(live, shopper)
    set_card(live, shopper, "9995")
    session_id = await signed_in_session(live, shopper)
    await add(live, session_id, NOTEBOOK)
    declined = await post(live, COMPLETE, await reviewed(live, session_id), new_key())
    assert declined.status_code == 402
    assert declined.json()["error"]["message"].startswith("Your card has insufficient funds.")


async def test_checkout_of_an_empty_cart_says_what_to_do(live: LiveServer) -> None:
    shopper = THEO.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    result = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert result.is_error
    assert "cart is empty" in text_of(result) and "add-to-cart" in text_of(result)
    completed = await post(live, COMPLETE, {"sessionId": session_id, "version": UNSEEN}, new_key())
    assert completed.status_code == 409 and completed.json()["error"]["code"] == "cart_empty"


async def test_checkout_needs_a_signed_in_session(live: LiveServer) -> None:
    session_id = await start_session(live)
    result = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert result.is_error and "authenticate-target" in text_of(result)
    completed = await post(live, COMPLETE, {"sessionId": session_id, "version": UNSEEN}, new_key())
    assert completed.status_code == 403
    assert completed.json()["error"] == {
        "code": "not_signed_in",
        "message": text_of(result),
        "field": "sessionId",
    }
    unknown = await post(live, COMPLETE, {"sessionId": "sess_" + "y" * 32, "version": UNSEEN}, new_key())
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "session_not_found"


@pytest.mark.parametrize("key", [None, "", "short", "has spaces in it"])
async def test_completing_needs_a_valid_idempotency_key(live: LiveServer, key: str | None) -> None:
    completed = await post(live, COMPLETE, {"sessionId": "sess_" + "z" * 32, "version": UNSEEN}, key)
    assert completed.status_code == 400
    error = completed.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in error["message"]


async def test_one_key_cannot_pay_for_two_shoppers(live: LiveServer) -> None:
    first, second = PRIYA.fresh(), THEO.fresh()
    create_in(live, first, second)
    first_session, second_session = await signed_in_session(live, first), await signed_in_session(live, second)
    await add(live, first_session, NOTEBOOK)
    await add(live, second_session, NOTEBOOK)
    key = new_key()
    assert (await post(live, COMPLETE, await reviewed(live, first_session), key)).status_code == 200
    reused = await post(live, COMPLETE, await reviewed(live, second_session), key)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_cart_changed_after_review_is_not_charged_and_stays_as_it_is(live: LiveServer) -> None:
    buyer = PRIYA.fresh()
    create_in(live, buyer)
    session_id = await signed_in_session(live, buyer)
    await add(live, session_id, NOTEBOOK)
    seen = await checkout(live, session_id)
    await add(live, session_id, FITBIT, 3)  # another tab, or the model, changes the cart meanwhile
    now = await checkout(live, session_id)

    refused = await post(live, COMPLETE, {"sessionId": session_id, "version": seen["version"]}, new_key())
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "cart_changed" and refused.json()["error"]["field"] == "version"
    assert f"${now['total']}" in refused.json()["error"]["message"]
    assert await checkout(live, session_id) == now
    charged = live.run_django(
        f"from checkout_mcp.models import Order\nresult = Order.objects.filter(shopper__email={buyer.email!r}).count()"
    )
    assert charged == 0

    paid = await post(live, COMPLETE, {"sessionId": session_id, "version": now["version"]}, new_key())
    assert paid.status_code == 200 and paid.json()["total"] == now["total"]


async def test_completing_needs_the_reviewed_version(live: LiveServer) -> None:
    completed = await post(live, COMPLETE, {"sessionId": "sess_" + "z" * 32}, new_key())
    assert completed.status_code == 400
    assert completed.json()["error"]["field"] == "version"


async def test_a_key_reused_on_another_session_of_the_same_shopper_is_refused(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    first_session, second_session = await signed_in_session(live, shopper), await signed_in_session(live, shopper)
    await add(live, first_session, NOTEBOOK)
    await add(live, second_session, FITBIT)
    second_cart = await checkout(live, second_session)
    key = new_key()
    assert (await post(live, COMPLETE, await reviewed(live, first_session), key)).status_code == 200

    reused = await post(live, COMPLETE, {"sessionId": second_session, "version": second_cart["version"]}, key)
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert await checkout(live, second_session) == second_cart, "the second cart is neither charged nor emptied"


async def test_a_key_replayed_with_another_body_is_refused(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    await add(live, session_id, NOTEBOOK)
    key = new_key()
    assert (await post(live, COMPLETE, await reviewed(live, session_id), key)).status_code == 200
    await add(live, session_id, COTTON_ROUNDS)
    replayed = await post(live, COMPLETE, await reviewed(live, session_id), key)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_shopper_takes_products_out_of_the_cart_before_paying(live: LiveServer) -> None:
    shopper = PRIYA.fresh()
    create_in(live, shopper)
    session_id = await signed_in_session(live, shopper)
    await add(live, session_id, NOTEBOOK, 3)
    await add(live, session_id, FITBIT)

    fewer = await call_tool(
        live, "/mcp3", "remove-from-cart", {"sessionId": session_id, "productId": NOTEBOOK, "quantity": 2}
    )
    assert not fewer.is_error, text_of(fewer)
    assert structured(fewer)["remaining"] == 1 and structured(fewer)["cartCount"] == 2
    gone = await call_tool(live, "/mcp3", "remove-from-cart", {"sessionId": session_id, "productId": FITBIT})
    assert structured(gone)["remaining"] == 0 and "no longer in the cart" in text_of(gone)
    summary = await checkout(live, session_id)
    assert [(line["productId"], line["quantity"]) for line in summary["lines"]] == [(NOTEBOOK, 1)]

    missing = await call_tool(live, "/mcp3", "remove-from-cart", {"sessionId": session_id, "productId": FITBIT})
    assert missing.is_error and "not in the cart" in text_of(missing)
    paid = await post(live, COMPLETE, {"sessionId": session_id, "version": summary["version"]}, new_key())
    assert paid.status_code == 200 and paid.json()["total"] == summary["total"]
