"""The catalogs and the search service, in process: ranking, money, mapping, caching and single-flight."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from search_mcp import services
from search_mcp.catalogs import (
    CatalogProduct,
    CatalogUnavailable,
    LocalCatalog,
    SourcePage,
    UnwrangleCatalog,
    query_terms,
    to_cents,
)
from search_mcp.tests.unwrangle_peer import load_catalog, to_unwrangle_result
from tests.services import clear_cache


@pytest.fixture(autouse=True)
def empty_cache() -> Any:
    clear_cache()
    yield
    clear_cache()


def product(tcin: str, **fields: Any) -> CatalogProduct:
    base: dict[str, Any] = {
        "id": tcin, "title": f"Product {tcin}", "brand": "Brand", "price": Decimal("10.00"), "currency": "USD",
        "rating": 4.0, "review_count": 10, "image": None, "url": f"https://www.target.com/p/-/A-{tcin}",
    }  # fmt: skip
    return CatalogProduct(**{**base, **fields})


class CountingCatalog:
    """A source that answers after a pause, counting how often it is asked."""

    name = "counting"
    page_size = 10
    image_origins: list[str] = []

    def __init__(self, pause: float = 0.05, fail: bool = False) -> None:
        self.calls = 0
        self.pause = pause
        self.fail = fail

    async def fetch_page(self, query: str, page: int) -> SourcePage:
        self.calls += 1
        await asyncio.sleep(self.pause)
        if self.fail:
            raise CatalogUnavailable("the source is down")
        return SourcePage(total_results=1, products=[product("11111111", title=query)])


@pytest.mark.parametrize(
    ("value", "cents"),
    [(Decimal("689"), "689.00"), (1, "1.00"), ("19.999", "20.00"), (Decimal("568.99"), "568.99"), (0.125, "0.13")],
)
def test_prices_are_rounded_once_to_cents(value: Any, cents: str) -> None:
    assert str(to_cents(value)) == cents


@pytest.mark.parametrize("value", [None, "free", -1, "NaN", "Infinity"])
def test_it_refuses_what_is_not_a_price(value: Any) -> None:
    with pytest.raises(ValueError):
        to_cents(value)


def test_query_terms_drop_stopwords_and_fold_plurals() -> None:
    assert query_terms("Shoes for the Running  shoes, GLASS") == ["shoe", "running", "glass"]


@pytest.mark.django_db
async def test_local_search_ranks_by_matched_words_then_ratings() -> None:
    page = await LocalCatalog().fetch_page("fitbit charge", 1)
    titles = [item.title for item in page.products]

    assert titles[0] == "Fitbit Charge 6 Fitness Tracker - Obsidian/Black"
    assert all(title.startswith("Fitbit Charge") for title in titles[:8])
    ratings = [item.rating for item in page.products[:8]]
    assert ratings == sorted(ratings, reverse=True)


@pytest.mark.django_db
async def test_local_search_matches_whole_numbers_and_word_starts() -> None:
    page = await LocalCatalog().fetch_page("tv", 1)
    sixes = await LocalCatalog().fetch_page("charge 6", 1)

    assert page.total_results == 0  # "tv" is not a word start in "activity"
    assert "Charge 6" in sixes.products[0].title


def test_unwrangle_products_map_onto_catalog_products() -> None:
    raw = to_unwrangle_result(load_catalog()[0]) | {"price": Decimal("159.9"), "url": "http://evil.example/x"}

    mapped = UnwrangleCatalog._product(raw)

    assert mapped is not None
    assert (mapped.id, mapped.title, mapped.price) == ("38098260", raw["name"], Decimal("159.90"))
    assert mapped.review_count == raw["total_ratings"] and mapped.image == raw["thumbnail"]
    assert mapped.url == "https://www.target.com/p/-/A-38098260"
    assert UnwrangleCatalog._product({"id": "1", "name": "No price"}) is None


async def test_concurrent_identical_searches_share_one_fetch() -> None:
    source = CountingCatalog()

    results = await asyncio.gather(*(services.search("Same  Thing", 1, source) for _ in range(50)))

    assert source.calls == 1
    assert {result.products[0].title for result in results} == {"same thing"}


async def test_a_search_waits_for_another_process_holding_the_lock() -> None:
    source = CountingCatalog()
    lock = services.cache_key("lock", source.name, "lamp", 1)
    await cache.aset(lock, "another-process", 30)

    async def other_process_finishes() -> None:
        await asyncio.sleep(0.1)
        page = SourcePage(total_results=1, products=[product("22222222", title="from the other process")])
        await cache.aset(services.cache_key("fresh", source.name, "lamp", 1), page.to_cache(), 60)

    results, _ = await asyncio.gather(services.search("lamp", 1, source), other_process_finishes())

    assert source.calls == 0
    assert results.products[0].title == "from the other process"


async def test_an_unavailable_source_falls_back_to_the_stale_copy(settings: Any) -> None:
    await services.search("kettle", 1, CountingCatalog())
    await cache.adelete(services.cache_key("fresh", "counting", "kettle", 1))

    results = await services.search("kettle", 1, CountingCatalog(fail=True))

    assert results.stale is True and results.products[0].title == "kettle"


async def test_an_unavailable_source_without_a_stale_copy_raises() -> None:
    with pytest.raises(CatalogUnavailable):
        await services.search("never seen", 1, CountingCatalog(fail=True))
