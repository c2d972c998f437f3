"""Searching through Unwrangle: each upstream outcome, as the model sees it through the official MCP client.

The live server talks to a loopback Unwrangle peer over real sockets; its timeouts are short
(UNWRANGLE_TIMEOUT_MS in conftest.py) so the failure paths stay quick.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcp import Client

from search_mcp.catalogs import KEY_REJECTED
from search_mcp.tests.conftest import API_KEY
from search_mcp.tests.unwrangle_peer import Outcome, UnwranglePeer
from tests.liveserver import LiveServer

SEARCH = "search-target-products"
RECOMMEND = "get-agentforce-recommendations"


async def call(server: LiveServer, tool: str, **arguments: Any) -> Any:
    async with Client(f"{server.url}/mcp2") as client:
        return await client.call_tool(tool, arguments)


def text(result: Any) -> str:
    return str(result.content[0].text)


async def test_it_maps_unwrangle_products_onto_the_carousel(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    result = await call(unwrangle_live, SEARCH, query="Fitbit Charge")
    found = result.structured_content
    first = found["products"][0]

    assert not result.is_error
    assert fresh_peer.count_for("fitbit charge") == 1
    request = fresh_peer.requests[0]
    assert request.params["platform"] == "target_search"
    assert request.params["store_no"] == "3991" and request.params["page"] == "1"
    assert first["title"].startswith("Fitbit Charge")
    assert first["image"].startswith("https://target.scene7.com/")
    assert isinstance(first["review_count"], int) and first["review_count"] > 0
    assert first["price"] in {"159.95", "119.95", "29.95", "34.95"} or first["price"].endswith(("0", "5", "9"))
    assert found["stale"] is False
    assert len(result.meta["images"][first["id"]]) == 3


async def test_it_slices_ten_product_pages_out_of_unwrangle_pages(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    pages = [(await call(unwrangle_live, SEARCH, query="shoes", page=page)).structured_content for page in (1, 2, 3)]

    ids = [product["id"] for page in pages for product in page["products"]]
    assert len(ids) == len(set(ids)) == min(30, pages[0]["total_results"])
    # Our pages 1-3 are products 1-30: Unwrangle pages 1 and 2, each fetched once.
    assert sorted(request.params["page"] for request in fresh_peer.requests) == ["1", "2"]


async def test_a_rejected_key_says_search_is_unavailable(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.INVALID_KEY)

    result = await call(unwrangle_live, SEARCH, query="yoga mat 403")

    assert result.is_error
    assert text(result) == KEY_REJECTED == "product search is unavailable: the API key is invalid or out of credits"
    assert fresh_peer.request_count == 1


async def test_a_401_reads_the_same_as_a_403(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.UNAUTHORIZED)

    result = await call(unwrangle_live, SEARCH, query="yoga mat 401")

    assert result.is_error and text(result) == KEY_REJECTED


async def test_a_rate_limit_is_waited_out_once(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.RATE_LIMITED, Outcome.SUCCESS)

    result = await call(unwrangle_live, SEARCH, query="water bottle")

    assert not result.is_error and result.structured_content["products"]
    assert fresh_peer.count_for("water bottle") == 2


async def test_a_second_rate_limit_becomes_a_clear_error(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.RATE_LIMITED, Outcome.RATE_LIMITED)

    result = await call(unwrangle_live, SEARCH, query="water bottle 429")

    assert result.is_error
    assert "rate limiting" in text(result) and "Wait a minute" in text(result)
    assert fresh_peer.count_for("water bottle 429") == 2


async def test_a_server_error_is_retried_once(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.SERVER_ERROR, Outcome.SUCCESS)

    result = await call(unwrangle_live, SEARCH, query="blender")

    assert not result.is_error and result.structured_content["stale"] is False
    assert fresh_peer.count_for("blender") == 2


async def test_server_errors_without_a_cached_answer_become_a_clear_error(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    fresh_peer.mode = Outcome.SERVER_ERROR

    result = await call(unwrangle_live, SEARCH, query="toaster")

    assert result.is_error
    assert text(result) == (
        "Product search is temporarily unavailable: Target's search service answered HTTP 500. Try again in a minute."
    )
    assert fresh_peer.count_for("toaster") == 2


async def test_server_errors_fall_back_to_the_stale_answer(
    uncached_unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    before = await call(uncached_unwrangle_live, SEARCH, query="fitbit")
    fresh_peer.mode = Outcome.SERVER_ERROR

    after = await call(uncached_unwrangle_live, SEARCH, query="fitbit")

    assert not after.is_error
    assert after.structured_content["stale"] is True
    assert after.structured_content["products"] == before.structured_content["products"]
    assert "cached results from earlier" in text(after)
    assert fresh_peer.count_for("fitbit") == 3


async def test_a_timeout_is_retried_then_reported(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.mode = Outcome.TIMEOUT

    result = await call(unwrangle_live, SEARCH, query="desk lamp")

    assert result.is_error
    assert text(result) == (
        "Product search is temporarily unavailable: Target's search service did not answer in time. "
        "Try again in a minute."
    )
    assert fresh_peer.count_for("desk lamp") == 2


async def test_a_malformed_body_is_a_clear_error(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.MALFORMED)

    result = await call(unwrangle_live, SEARCH, query="pillow")

    assert result.is_error
    assert text(result) == (
        "Product search failed: Target's search service sent an answer that could not be read. "
        "Try the search again in a moment."
    )


async def test_success_false_is_a_clear_error(unwrangle_live: LiveServer, fresh_peer: UnwranglePeer) -> None:
    fresh_peer.script(Outcome.UNSUCCESSFUL)

    result = await call(unwrangle_live, SEARCH, query="candle")

    assert result.is_error
    assert text(result) == (
        "Product search failed: Target's search service could not run this search "
        '("Unable to fetch search results, please try again"). Try again, or rephrase the search.'
    )


async def test_fifty_identical_searches_make_one_upstream_request(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    fresh_peer.latency = 0.3  # every search arrives while the first is still upstream

    async with Client(f"{unwrangle_live.url}/mcp2") as client:
        results = await asyncio.gather(*(client.call_tool(SEARCH, {"query": "running socks"}) for _ in range(50)))

    assert all(not result.is_error for result in results)
    assert len({str(result.structured_content) for result in results}) == 1
    assert fresh_peer.request_count == 1


async def test_recommendations_reuse_the_search_upstream_request(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    searched = await call(unwrangle_live, SEARCH, query="headphones")
    recommended = await call(unwrangle_live, RECOMMEND, query="Headphones")

    assert not recommended.is_error
    assert {p["id"] for p in recommended.structured_content["products"]} == {
        p["id"] for p in searched.structured_content["products"]
    }
    assert fresh_peer.request_count == 1


async def test_the_key_never_reaches_results_widgets_or_the_log(
    unwrangle_live: LiveServer, fresh_peer: UnwranglePeer
) -> None:
    fresh_peer.script(Outcome.SUCCESS, Outcome.INVALID_KEY, Outcome.TIMEOUT, Outcome.TIMEOUT, Outcome.UNSUCCESSFUL)
    seen: list[str] = []
    async with Client(f"{unwrangle_live.url}/mcp2") as client:
        for query in ("key leak one", "key leak two", "key leak three", "key leak four"):
            result = await client.call_tool(SEARCH, {"query": query})
            seen.append(result.model_dump_json())
        tools = await client.list_tools()
        uri = (next(tool for tool in tools.tools if tool.name == SEARCH).meta or {})["ui"]["resourceUri"]
        seen.append((await client.read_resource(uri)).model_dump_json())

    assert fresh_peer.requests[0].params["api_key"] == API_KEY  # the key was really used
    assert not [page for page in seen if API_KEY in page]
    assert "https://target.scene7.com" in seen[-1]
    log = unwrangle_live.wait_for_log("Unwrangle")  # the failures were logged, without it
    assert API_KEY not in log
