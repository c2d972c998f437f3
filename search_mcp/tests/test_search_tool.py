"""search-target-products on the local catalog, through the official MCP client against a live server."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.types import TextResourceContents

from tests.liveserver import LiveServer

SEARCH = "search-target-products"


async def search(live: LiveServer, **arguments: Any) -> Any:
    async with Client(f"{live.url}/mcp2") as client:
        return await client.call_tool(SEARCH, arguments)


async def test_it_ranks_the_fitbit_charge_6_first_for_fitbit_charge(live: LiveServer) -> None:
    result = await search(live, query="fitbit charge")

    assert not result.is_error
    first = result.structured_content["products"][0]
    assert first["title"].startswith("Fitbit Charge 6")
    assert first["brand"] == "Fitbit"


async def test_it_returns_ten_products_a_page_with_cents_and_absolute_image_urls(live: LiveServer) -> None:
    result = await search(live, query="fitbit")
    found = result.structured_content

    assert found["query"] == "fitbit" and found["page"] == 1
    assert len(found["products"]) == found["page_size"] == 10  # the carousel counts "Showing 1-10" from it
    assert found["total_results"] > 10 and found["has_more"] is True and found["stale"] is False
    for product in found["products"]:
        assert set(product) == {
            "id", "title", "brand", "price", "currency", "rating", "review_count", "image", "url", "features",
        }  # fmt: skip
        assert product["price"].count(".") == 1 and len(product["price"].split(".")[1]) == 2
        assert (
            product["image"]
            == f"{live.env.get('PUBLIC_BASE_URL', 'http://127.0.0.1:8000')}/catalog/images/{product['id']}.svg"
        )
        assert product["url"].startswith("https://www.target.com/")
    assert result.meta["images"][found["products"][0]["id"]][1].endswith("?view=2")


async def test_its_text_names_each_product_id_for_add_to_cart(live: LiveServer) -> None:
    result = await search(live, query="fitbit charge")
    text = result.content[0].text

    total = result.structured_content["total_results"]
    assert f'Found {total} Target products for "fitbit charge"' in text
    for product in result.structured_content["products"]:
        assert f"(id {product['id']})" in text
    assert "add-to-cart" in text and "page=2" in text


async def test_it_pages_through_results_without_repeats(live: LiveServer) -> None:
    first = (await search(live, query="fitbit")).structured_content
    second = (await search(live, query="Fitbit", page=2)).structured_content

    assert second["page"] == 2 and second["total_results"] == first["total_results"]
    assert len(second["products"]) == first["total_results"] - 10
    assert second["has_more"] is False
    assert not {p["id"] for p in first["products"]} & {p["id"] for p in second["products"]}


async def test_it_says_when_a_page_is_past_the_last(live: LiveServer) -> None:
    total = (await search(live, query="fitbit")).structured_content["total_results"]
    pages = -(-total // 10)
    result = await search(live, query="fitbit", page=pages + 1)

    assert result.is_error
    assert (
        f'page: {pages + 1} is past the last page of results for "fitbit" ({total} products, {pages} pages)'
        in result.content[0].text
    )


async def test_it_answers_no_match_with_an_empty_carousel(live: LiveServer) -> None:
    result = await search(live, query="xylophone zeppelin")

    assert not result.is_error
    assert result.structured_content["products"] == [] and result.structured_content["total_results"] == 0
    assert "No Target products match" in result.content[0].text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"query": ""}, "query: String should have at least 1 character"),
        ({"query": "   "}, "query: String should have at least 1 character"),
        ({"query": "x" * 201}, "query: String should have at most 200 characters"),
        ({"query": "fitbit", "page": 0}, "page: Input should be greater than or equal to 1"),
        ({"query": "fitbit", "page": 31}, "page: Input should be less than or equal to 30"),
        ({"query": "fitbit", "page": "two"}, "page: Input should be a valid integer"),
        ({}, "query: Field required"),
    ],
)
async def test_it_rejects_bad_input_naming_the_field(live: LiveServer, arguments: dict[str, Any], message: str) -> None:
    result = await search(live, **arguments)

    assert result.is_error
    assert message in result.content[0].text


async def test_it_declares_the_carousel_and_serves_it(live: LiveServer) -> None:
    async with Client(f"{live.url}/mcp2") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        meta = tools[SEARCH].meta or {}
        uri = meta["ui"]["resourceUri"]
        contents = (await client.read_resource(uri)).contents[0]

    annotations = tools[SEARCH].annotations
    assert annotations is not None and annotations.read_only_hint is True
    assert meta["openai/outputTemplate"] == uri
    assert uri.startswith("ui://target-search/product-carousel-")
    assert isinstance(contents, TextResourceContents), "a widget is HTML text"
    assert contents.mime_type == "text/html;profile=mcp-app"
    assert "window.Widget" in contents.text and "Add to cart" in contents.text
    widget_meta = contents.meta or {}
    csp = widget_meta["ui"]["csp"]
    # The app's own origin only: the widget runtime sends the carousel's events there.
    origin = live.env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    assert csp == {"connectDomains": [origin], "resourceDomains": [origin]}
    assert widget_meta["openai/widgetCSP"]["redirect_domains"] == ["https://www.target.com"]
