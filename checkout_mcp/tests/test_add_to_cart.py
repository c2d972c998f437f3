"""add-to-cart on /mcp3, through the official MCP client against a live server."""

from __future__ import annotations

import pytest

from tests.liveserver import LiveServer, call_tool, expire_session, signed_in_session, start_session, text_of
from tests.personas import PRIYA, create_in

FITBIT = "38098260"  # Fitbit Charge 6, 159.95 in the catalog
NOTEBOOK = "42191994"  # Five Star notebook, 4.29


@pytest.fixture(scope="module")
async def priya_session(live: LiveServer) -> str:
    person = PRIYA.fresh()
    create_in(live, person)
    return await signed_in_session(live, person)


async def test_it_adds_a_product_at_the_catalog_price(live: LiveServer, priya_session: str) -> None:
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": FITBIT})
    assert not result.is_error, text_of(result)
    line = result.structured_content["line"]
    assert line["productId"] == FITBIT and line["unitPrice"] == "159.95" and line["quantity"] >= 1
    assert "Fitbit Charge 6" in line["title"]
    assert "checkout" in text_of(result)


async def test_adding_a_product_again_raises_its_quantity(live: LiveServer, priya_session: str) -> None:
    first = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": NOTEBOOK, "quantity": 2}
    )
    again = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": NOTEBOOK, "quantity": 3}
    )
    assert again.structured_content["line"]["quantity"] == first.structured_content["line"]["quantity"] + 3
    assert again.structured_content["line"]["lineTotal"] == f"{4.29 * again.structured_content['line']['quantity']:.2f}"
    assert again.structured_content["cartCount"] == first.structured_content["cartCount"] + 3


async def test_it_takes_no_price_from_the_caller(live: LiveServer, priya_session: str) -> None:
    result = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": NOTEBOOK, "price": "0.01"}
    )
    assert result.is_error
    assert "price: is not a parameter of this tool" in text_of(result)


async def test_it_rejects_an_unknown_product(live: LiveServer, priya_session: str) -> None:
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": "99999999"})
    assert result.is_error
    assert "no product with id 99999999" in text_of(result)
    assert "search-target-products" in text_of(result)


@pytest.mark.parametrize("quantity", [0, 100])
async def test_it_rejects_a_quantity_outside_1_to_99(live: LiveServer, priya_session: str, quantity: int) -> None:
    result = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": NOTEBOOK, "quantity": quantity}
    )
    assert result.is_error
    assert "quantity" in text_of(result)


async def test_it_refuses_to_put_more_than_99_of_a_product_in_the_cart(live: LiveServer, priya_session: str) -> None:
    product = "31508397"  # cotton rounds
    await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": product, "quantity": 98})
    result = await call_tool(
        live, "/mcp3", "add-to-cart", {"sessionId": priya_session, "productId": product, "quantity": 5}
    )
    assert result.is_error
    assert "already has 98" in text_of(result) and "Add at most 1 more" in text_of(result)


async def test_a_session_that_is_not_signed_in_is_sent_to_authenticate_target(live: LiveServer) -> None:
    session_id = await start_session(live)
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": FITBIT})
    assert result.is_error
    assert "not signed in" in text_of(result) and "authenticate-target" in text_of(result)


async def test_an_expired_session_is_told_to_start_a_new_one(live: LiveServer) -> None:
    person = PRIYA.fresh()
    create_in(live, person)
    session_id = await signed_in_session(live, person)
    expire_session(live, session_id)
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": FITBIT})
    assert result.is_error
    assert "expired" in text_of(result) and "create-target-session" in text_of(result)


async def test_an_unknown_session_is_told_to_start_a_new_one(live: LiveServer) -> None:
    result = await call_tool(live, "/mcp3", "add-to-cart", {"sessionId": "sess_" + "x" * 32, "productId": FITBIT})
    assert result.is_error
    assert "create-target-session" in text_of(result)
