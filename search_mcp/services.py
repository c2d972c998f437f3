"""Searching (cache, single-flight, stale fallback) and recommending against a shopper's profile.

Results are cached per (catalog, normalised query, source page). Identical searches share one
fetch: inside a process they await the same task; across processes the first takes a short lock
in the cache and the others poll the cache for its answer, for a bounded time. Every fresh answer
is also kept as a longer-lived stale copy, served (marked stale) when the source is down.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache

from search_mcp.catalogs import (
    PAGE_SIZE,
    RETRY_AFTER_MAX_SECONDS,
    Catalog,
    CatalogProduct,
    CatalogUnavailable,
    LocalCatalog,
    SourcePage,
    active_catalog,
    normalise_query,
)
from search_mcp.models import Product

CACHE_VERSION = "v1"
LOCK_POLL_SECONDS = 0.05
# A shopper's ratings are pulled towards this average until enough reviews back them.
PRIOR_RATING = 3.5
PRIOR_REVIEWS = 20

_inflight: dict[str, asyncio.Task[Fetched]] = {}


@dataclass(frozen=True)
class Fetched:
    page: SourcePage
    stale: bool = False


@dataclass(frozen=True)
class SearchResults:
    query: str
    page: int
    total_results: int
    products: list[CatalogProduct]
    stale: bool = False
    fetched_at: float = 0.0

    @property
    def has_more(self) -> bool:
        return self.page * PAGE_SIZE < self.total_results

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total_results // PAGE_SIZE))


# -- search --------------------------------------------------------------------------------------


async def search(query: str, page: int = 1, catalog: Catalog | None = None) -> SearchResults:
    """Our 10-product page `page` for `query`, cut from as many source pages as it spans."""
    catalog = catalog or active_catalog()
    normalised = normalise_query(query)
    first, end = (page - 1) * PAGE_SIZE, page * PAGE_SIZE
    first_source, last_source = first // catalog.page_size + 1, (end - 1) // catalog.page_size + 1
    products: list[CatalogProduct] = []
    total, stale, fetched_at = 0, False, 0.0
    for number in range(first_source, last_source + 1):
        offset = (number - 1) * catalog.page_size
        if number > first_source and total <= offset:
            break
        fetched = await source_page(catalog, normalised, number)
        if number == first_source:
            total, fetched_at = fetched.page.total_results, fetched.page.fetched_at
        stale = stale or fetched.stale
        for index, product in enumerate(fetched.page.products, start=offset):
            if first <= index < end and all(seen.id != product.id for seen in products):
                products.append(product)
    return SearchResults(normalised, page, total, products, stale, fetched_at)


async def source_page(catalog: Catalog, query: str, page: int) -> Fetched:
    """One source page from the cache, or from the one fetch in flight for it, or fetched now."""
    fresh_key = cache_key("fresh", catalog.name, query, page)
    cached = await cache.aget(fresh_key)
    if cached is not None:
        return Fetched(SourcePage.from_cache(cached))
    task = _inflight.get(fresh_key)
    if task is None:
        task = asyncio.ensure_future(_fetch_once(catalog, query, page))
        _inflight[fresh_key] = task
        task.add_done_callback(lambda done: _forget(fresh_key, done))
    # Shielded: a caller that gives up must not cancel the fetch the others are waiting for.
    return await asyncio.shield(task)


def _forget(key: str, task: asyncio.Task[Fetched]) -> None:
    if _inflight.get(key) is task:
        del _inflight[key]
    if not task.cancelled():
        task.exception()  # retrieved here, so a failure nobody awaited is not reported as lost


async def _fetch_once(catalog: Catalog, query: str, page: int) -> Fetched:
    fresh_key = cache_key("fresh", catalog.name, query, page)
    lock_key = cache_key("lock", catalog.name, query, page)
    token = uuid.uuid4().hex
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lock_seconds()
    locked = await cache.aadd(lock_key, token, timeout=lock_seconds())
    while not locked and loop.time() < deadline:
        # Another process is fetching this page: take its answer when it lands.
        await asyncio.sleep(LOCK_POLL_SECONDS)
        cached = await cache.aget(fresh_key)
        if cached is not None:
            return Fetched(SourcePage.from_cache(cached))
        locked = await cache.aadd(lock_key, token, timeout=lock_seconds())
    try:
        cached = await cache.aget(fresh_key)
        if cached is not None:
            return Fetched(SourcePage.from_cache(cached))
        return await _fetch_and_store(catalog, query, page)
    finally:
        if locked and await cache.aget(lock_key) == token:
            await cache.adelete(lock_key)


async def _fetch_and_store(catalog: Catalog, query: str, page: int) -> Fetched:
    stale_key = cache_key("stale", catalog.name, query, page)
    try:
        fetched = await catalog.fetch_page(query, page)
    except CatalogUnavailable:
        stale = await cache.aget(stale_key)
        if stale is None:
            raise
        return Fetched(SourcePage.from_cache(stale), stale=True)
    data = fetched.to_cache()
    if settings.SEARCH_CACHE_SECONDS:
        await cache.aset(cache_key("fresh", catalog.name, query, page), data, settings.SEARCH_CACHE_SECONDS)
    await cache.aset(stale_key, data, settings.SEARCH_STALE_SECONDS)
    # Checkout prices a product it is handed by id from what search showed (see find_product).
    await cache.aset_many(
        {product_key(catalog.name, product.id): product.to_cache() for product in fetched.products},
        settings.SEARCH_STALE_SECONDS,
    )
    return Fetched(fetched)


def cache_key(kind: str, catalog_name: str, query: str, page: int) -> str:
    # Hashed: cache keys must be short and plain ASCII whatever the shopper typed.
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return f"search:{CACHE_VERSION}:{kind}:{catalog_name}:{digest}:{page}"


def product_key(catalog_name: str, product_id: str) -> str:
    return f"search:{CACHE_VERSION}:product:{catalog_name}:{product_id}"


def lock_seconds() -> int:
    """Longer than the slowest fetch (two timeouts, the backoff, one Retry-After wait)."""
    worst = 2 * settings.UNWRANGLE_TIMEOUT_MS / 1000 + settings.UNWRANGLE_RETRY_BACKOFF_MS / 1000
    return int(worst + RETRY_AFTER_MAX_SECONDS) + 2


async def find_product(product_id: str) -> CatalogProduct | None:
    """A product by id as search showed it: the Product table, or one Unwrangle returned recently."""
    catalog = active_catalog()
    if isinstance(catalog, LocalCatalog):
        row = await Product.objects.filter(tcin=product_id).afirst()
        return LocalCatalog.to_product(row) if row else None
    cached = await cache.aget(product_key(catalog.name, product_id))
    return CatalogProduct.from_cache(cached) if cached else None


# -- recommendations -----------------------------------------------------------------------------

MODEL_PATTERN = re.compile(r"\b([A-Za-z][A-Za-z]*)\s+(\d{1,3})(?![\d.])")
ACCESSORY_WORDS = re.compile(
    r"\b(band|bands|case|strap|charger|charging|protector|cover|replacement|accessory|sealing ring|cable|"
    r"mount|holder|sleeve|insoles|laces|refill|lid)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OwnedItem:
    tcin: str
    title: str
    models: frozenset[tuple[str, int]]


@dataclass(frozen=True)
class ShopperProfile:
    """What recommendations may use of a shopper: interests, what they own, what they ordered when."""

    first_name: str
    interests: list[str]
    owned: list[OwnedItem]
    ordered_on: dict[str, str]
    known_titles: list[str] = field(default_factory=list)

    @classmethod
    def from_shopper(cls, shopper: Any) -> ShopperProfile:
        owned = [
            OwnedItem(
                str(item.get("tcin", "")), str(item.get("title", "")), frozenset(model_names(item.get("title", "")))
            )
            for item in _dicts(shopper.owned_products)
        ]
        ordered_on: dict[str, str] = {}
        titles = [item.title for item in owned]
        for order in _dicts(shopper.purchase_history):
            for line in _dicts(order.get("items")):
                ordered_on.setdefault(str(line.get("tcin", "")), str(order.get("placed_on", "")))
                titles.append(str(line.get("title", "")))
        interests = [str(topic).strip().lower() for topic in shopper.interests or [] if str(topic).strip()]
        return cls(shopper.first_name, interests, owned, ordered_on, titles)


@dataclass(frozen=True)
class Recommendation:
    product: CatalogProduct
    reasons: list[str]
    score: float


@dataclass(frozen=True)
class LeftOut:
    product: CatalogProduct
    reason: str


def model_names(text: str) -> set[tuple[str, int]]:
    """Model names like ("charge", 5) or ("iphone", 15), from a title without its variant suffix."""
    head = str(text).split(" - ", 1)[0]
    return {(word.lower(), int(number)) for word, number in MODEL_PATTERN.findall(head)}


def rating_reason(product: CatalogProduct) -> str:
    if not product.review_count:
        return "Not rated yet"
    reviews = "review" if product.review_count == 1 else "reviews"
    return f"Rated {product.rating:.1f} out of 5 from {product.review_count:,} {reviews}"


def quality(product: CatalogProduct) -> float:
    """The rating, trusted in proportion to how many reviews back it."""
    reviews = product.review_count
    return (product.rating * reviews + PRIOR_RATING * PRIOR_REVIEWS) / (reviews + PRIOR_REVIEWS)


def rank_by_ratings(products: Iterable[CatalogProduct]) -> list[Recommendation]:
    picks = [Recommendation(product, [rating_reason(product)], quality(product)) for product in products]
    return sorted(picks, key=lambda pick: -pick.score)


def rank_for_shopper(
    products: Iterable[CatalogProduct], profile: ShopperProfile
) -> tuple[list[Recommendation], list[LeftOut]]:
    """Rank against what the shopper owns, ordered and cares about; leave out what they already have."""
    owned_ids = {item.tcin for item in profile.owned}
    picks: list[Recommendation] = []
    left_out: list[LeftOut] = []
    for product in products:
        if product.id in owned_ids:
            left_out.append(LeftOut(product, "you already own it"))
            continue
        text = " ".join([product.title, product.brand, product.department, product.keywords, *product.features]).lower()
        is_accessory = bool(ACCESSORY_WORDS.search(product.title) or "accessory" in product.keywords)
        own_models = model_names(product.title)
        mentioned = own_models | {name for feature in product.features for name in model_names(feature)}
        score, reasons = quality(product), []
        duplicate = None
        for item in profile.owned:
            if is_accessory and item.models & mentioned:
                score += 3
                reasons.append(f"Fits the {_short(item.title)} you own")
            elif not is_accessory and product.brand and product.brand.lower() in item.title.lower():
                newer = [
                    (word, number)
                    for word, number in own_models
                    for owned_word, owned_number in item.models
                    if word == owned_word and number > owned_number
                ]
                if newer:
                    score += 2.5
                    reasons.append(f"A newer model than the {_short(item.title)} you own")
                elif own_models & item.models:
                    duplicate = item
        if duplicate is not None:
            left_out.append(LeftOut(product, f"you already own a {_short(duplicate.title)}"))
            continue
        ordered = profile.ordered_on.get(product.id)
        if ordered:
            score += 0.5
            reasons.append(f"You ordered this before, on {ordered}")
        elif product.brand and any(product.brand.lower() in title.lower() for title in profile.known_titles):
            score += 0.75
            reasons.append(f"You've bought {product.brand} before")
        matching = [topic for topic in profile.interests if topic in text]
        if matching:
            score += min(len(matching), 3)
            reasons.append(f"Matches your interest in {_join(matching)}")
        if not reasons:
            score -= 1
            reasons.append("Nothing in your history or interests points to it")
        reasons.append(rating_reason(product))
        picks.append(Recommendation(product, reasons, score))
    return sorted(picks, key=lambda pick: -pick.score), left_out


def _short(title: str) -> str:
    return title.split(" - ", 1)[0]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
