"""What Unwrangle may send, read at the one boundary: hostile values never get past it.

NaN and infinite ratings, huge counts and prices, very long titles and ids: each is either made
safe (a rating of 0, a title cut to what a cart line holds) or the product is skipped, so a search
never fails on it and nothing reaches a cart that could not be checked out.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from checkout_mcp.models import CartItem
from search_mcp.catalogs import MAX_REVIEW_COUNT, UnwrangleCatalog

GOOD = {"id": "38098260", "name": "Fitbit Charge 6", "price": 159.95, "rating": 4.4, "total_ratings": 120}


def parse(*items: dict[str, Any], total: Any = 2) -> list[Any]:
    body = json.dumps({"success": True, "total_results": total, "results": list(items)}, allow_nan=True)
    catalog = UnwrangleCatalog.__new__(UnwrangleCatalog)
    catalog.api_key = "test-key"
    return catalog._parse(httpx.Response(200, content=body.encode())).products


def test_nan_and_infinite_ratings_read_as_unrated() -> None:
    products = parse(
        {**GOOD, "rating": float("nan")}, {**GOOD, "id": "38098261", "rating": float("inf")}, total=float("nan")
    )
    assert [product.rating for product in products] == [0.0, 0.0]
    json.dumps([product.to_cache() for product in products], allow_nan=False)


def test_huge_numbers_are_capped_or_the_product_skipped() -> None:
    products = parse(
        {**GOOD, "total_ratings": 10**400},
        {**GOOD, "id": "2", "price": 1e300},
        {**GOOD, "id": "3", "price": float("inf")},
        {**GOOD, "id": "4", "price": -1},
        total=10**400,
    )
    assert [(product.id, product.review_count) for product in products] == [("38098260", MAX_REVIEW_COUNT)]


def test_a_very_long_title_is_cut_to_what_a_cart_line_holds() -> None:
    [product] = parse({**GOOD, "name": "Fitbit " * 10_000})
    assert len(product.title) <= CartItem._meta.get_field("title").max_length  # type: ignore[operator]
    assert product.title.startswith("Fitbit Fitbit")


def test_an_id_that_is_no_product_id_skips_the_product() -> None:
    assert parse({**GOOD, "id": "9" * 5_000}, {**GOOD, "id": "<script>"}, {**GOOD, "id": True}) == []
    [product] = parse({**GOOD, "id": 38098260})
    assert product.id == "38098260" and product.price == Decimal("159.95")
