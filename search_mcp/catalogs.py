"""The two product catalogs behind one interface: the local Product table and Unwrangle's Target search.

A catalog answers one *source page* of results for a normalised query. The local catalog's pages
are our own 10-product pages; Unwrangle's are Target's (UNWRANGLE_PAGE_SIZE long), and
`services.search` slices ours out of them. Caching, single-flight and the stale fallback live in
`services`, not here: a catalog only knows how to ask its source once (with Unwrangle's retries).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import re
import time
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import reduce
from operator import add, or_
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from prometheus_client import Counter
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from search_mcp.models import Product
from shop.errors import ShopError
from targetdemo.http import get_http_client

logger = logging.getLogger(__name__)

# Every failed attempt at an upstream API, retried ones included, by service and reason:
# timeout, unreachable, http_5xx, rate_limited, key_rejected, rejected (other 4xx), unreadable, unsuccessful.
UPSTREAM_ERRORS = Counter(
    "targetdemo_upstream_api_errors", "Failed calls to upstream APIs by service and reason.", ["service", "reason"]
)


def upstream_error(reason: str, service: str = "unwrangle") -> None:
    UPSTREAM_ERRORS.labels(service=service, reason=reason).inc()


PAGE_SIZE = 10
CENT = Decimal("0.01")
MAX_QUERY_TERMS = 12
STOPWORDS = frozenset(
    "a an and are as at be by for from i in is it me my of on or our some the this to with you your".split()  # noqa: SIM905
)
# Field weights for the SQLite fallback: a word in the title counts most.
WEIGHTS = {"title": 4, "brand": 3, "keywords": 2, "department": 1}

UNWRANGLE_GETTER_PATH = "/api/getter/"
UNWRANGLE_PLATFORM = "target_search"
UNWRANGLE_IMAGE_HOST = "target.scene7.com"
TARGET_PRODUCT_HOST = "www.target.com"
RETRY_AFTER_MAX_SECONDS = 5.0
RETRY_AFTER_DEFAULT_SECONDS = 1.0

KEY_REJECTED = "product search is unavailable: the API key is invalid or out of credits"
RATE_LIMITED = (
    "Product search is busy: Target's search service is rate limiting requests. Wait a minute, then search again."
)
UNREADABLE = (
    "Product search failed: Target's search service sent an answer that could not be read. "
    "Try the search again in a moment."
)


class CatalogError(ShopError):
    """A search that failed in a way the model can explain or retry. The message is for the model."""

    code = "search_unavailable"
    status = 503


class CatalogUnavailable(CatalogError):
    """The source did not answer (5xx, timeout, unreachable): a stale cached answer may stand in."""


# What a product from upstream may carry and still be put in a cart and paid for: the cart's columns
# (product id 12 characters, title 200, unit price under 10**8) and a sane retail price.
PRODUCT_ID_PATTERN = r"^\d{6,12}$"  # a TCIN, as add-to-cart takes it
TITLE_MAX_LENGTH = 200
BRAND_MAX_LENGTH = 100
MAX_PRICE = Decimal("100000.00")
MAX_REVIEW_COUNT = 10**9


def to_cents(value: Any) -> Decimal:
    """A price as Decimal rounded half-up to cents: the one place money is rounded."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a price: {value!r}") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a price: {value!r}")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the context holds: no price anyone pays
        raise ValueError(f"not a price: {value!r}") from exc


def normalise_query(query: str) -> str:
    """Lower case with single spaces: the form searches are cached and sent upstream under."""
    return " ".join(query.lower().split())


def query_terms(query: str) -> list[str]:
    """The words a query searches for: stop words dropped, plurals folded (shoes -> shoe)."""
    terms: list[str] = []
    for word in re.findall(r"[a-z0-9]+", query.lower()):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


@dataclass(frozen=True)
class CatalogProduct:
    id: str
    title: str
    brand: str
    price: Decimal
    currency: str
    rating: float
    review_count: int
    image: str | None
    url: str
    features: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    # Only for matching against a shopper's profile; never shown.
    department: str = ""
    keywords: str = ""

    def to_cache(self) -> dict[str, Any]:
        data = asdict(self)
        data["price"] = str(self.price)
        return data

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> CatalogProduct:
        return cls(**{**data, "price": Decimal(data["price"])})


@dataclass(frozen=True)
class SourcePage:
    """One page as the catalog's source returned it."""

    total_results: int
    products: list[CatalogProduct]
    fetched_at: float = field(default_factory=time.time)

    def to_cache(self) -> dict[str, Any]:
        return {
            "total_results": self.total_results,
            "products": [product.to_cache() for product in self.products],
            "fetched_at": self.fetched_at,
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> SourcePage:
        products = [CatalogProduct.from_cache(item) for item in data["products"]]
        return cls(total_results=data["total_results"], products=products, fetched_at=data["fetched_at"])


class Catalog(Protocol):
    name: str
    """Identifies the source in cache keys: results from different sources never mix."""
    page_size: int
    """Products per source page."""

    @property
    def image_origins(self) -> list[str]:
        """Origins the widget loads this catalog's images from (its CSP resource domains)."""

    async def fetch_page(self, query: str, page: int) -> SourcePage: ...


# -- the local catalog ---------------------------------------------------------------------------


class LocalCatalog:
    """The Product table: PostgreSQL full-text search on Postgres, weighted word matching elsewhere."""

    name = "local"
    page_size = PAGE_SIZE

    @property
    def image_origins(self) -> list[str]:
        return [settings.PUBLIC_BASE_URL]

    async def fetch_page(self, query: str, page: int) -> SourcePage:
        terms = query_terms(query)
        if not terms:
            return SourcePage(total_results=0, products=[])
        ranked = self._ranked(terms)
        total = await ranked.acount()
        start = (page - 1) * self.page_size
        rows = [row async for row in ranked[start : start + self.page_size]]
        return SourcePage(total_results=total, products=[self.to_product(row) for row in rows])

    def _ranked(self, terms: list[str]) -> QuerySet[Product]:
        if connection.vendor == "postgresql":
            return self._ranked_full_text(terms)
        return self._ranked_by_matches(terms)

    @staticmethod
    def _ranked_full_text(terms: list[str]) -> QuerySet[Product]:
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("brand", weight="A", config="english")
            + SearchVector("keywords", weight="B", config="english")
            + SearchVector("department", weight="C", config="english")
        )
        # Terms are [a-z0-9]+ only, so this raw tsquery cannot be malformed; ":*" matches prefixes.
        search = SearchQuery(" | ".join(f"{term}:*" for term in terms), search_type="raw", config="english")
        return (
            Product.objects.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "-rating", "-review_count", "tcin")
        )

    @staticmethod
    def _ranked_by_matches(terms: list[str]) -> QuerySet[Product]:
        """Rank by how many query words match, then by where they match, then by ratings."""
        matched_terms = []
        weighted = []
        for term in terms:
            # Words start at a boundary ("shoe" finds "Shoes", "tv" not "activity"); numbers are whole.
            pattern = rf"\b{re.escape(term)}\b" if term.isdigit() else rf"\b{re.escape(term)}"
            hits = {name: Q(**{f"{name}__iregex": pattern}) for name in WEIGHTS}
            matched_terms.append(Case(When(reduce(or_, hits.values()), then=Value(1)), default=Value(0)))
            weighted += [Case(When(hit, then=Value(WEIGHTS[name])), default=Value(0)) for name, hit in hits.items()]
        return (
            Product.objects.annotate(
                matched=reduce(add, matched_terms, Value(0, output_field=IntegerField())),
                score=reduce(add, weighted, Value(0, output_field=IntegerField())),
            )
            .filter(matched__gt=0)
            .order_by(F("matched").desc(), F("score").desc(), "-rating", "-review_count", "tcin")
        )

    @staticmethod
    def to_product(row: Product) -> CatalogProduct:
        base = settings.PUBLIC_BASE_URL
        images = [base + path for path in row.image_paths]
        return CatalogProduct(
            id=row.tcin,
            title=row.title,
            brand=row.brand,
            price=to_cents(row.price),
            currency=row.currency,
            rating=round(float(row.rating), 1),
            review_count=row.review_count,
            image=images[0],
            url=row.url,
            features=[str(feature) for feature in row.features],
            images=images,
            department=row.department,
            keywords=row.keywords,
        )


# -- Unwrangle -----------------------------------------------------------------------------------


class UnwrangleCatalog:
    """Target search through Unwrangle's getter API. The API key rides in the query string, so URLs
    never reach logs or messages: failures are described by status and query only."""

    name = "unwrangle"
    image_origins = [f"https://{UNWRANGLE_IMAGE_HOST}"]

    def __init__(self) -> None:
        self.api_key: str = settings.UNWRANGLE_API_KEY
        self.endpoint = settings.UNWRANGLE_BASE_URL + UNWRANGLE_GETTER_PATH
        self.store_no: str = settings.UNWRANGLE_STORE_NO
        self.page_size: int = settings.UNWRANGLE_PAGE_SIZE
        self.timeout = httpx.Timeout(settings.UNWRANGLE_TIMEOUT_MS / 1000)
        self.backoff = settings.UNWRANGLE_RETRY_BACKOFF_MS / 1000
        # The store changes prices, so its results are cached apart.
        self.name = f"unwrangle:{self.store_no or 'any'}"

    async def fetch_page(self, query: str, page: int) -> SourcePage:
        params = {"platform": UNWRANGLE_PLATFORM, "search": query, "page": str(page), "api_key": self.api_key}
        if self.store_no:
            params["store_no"] = self.store_no
        rate_limit_waited = False
        retried = False
        while True:
            problem = await self._attempt(params)
            if isinstance(problem, SourcePage):
                return problem
            if problem.status_code == 429 and not rate_limit_waited:
                wait = _retry_after_seconds(problem)
                if wait is not None:
                    logger.info("Unwrangle rate limited the search %r; retrying in %.1fs", query, wait)
                    rate_limit_waited = True
                    await asyncio.sleep(wait)
                    continue
            if problem.status_code == 429:
                logger.warning("Unwrangle rate limited the search %r", query)
                raise CatalogError(RATE_LIMITED)
            if retried:
                logger.warning("Unwrangle search %r page %d failed after a retry: %s", query, page, problem.reason)
                raise CatalogUnavailable(
                    f"Product search is temporarily unavailable: Target's search service {problem.reason}. "
                    "Try again in a minute."
                )
            retried = True
            logger.info("Unwrangle search %r page %d: %s; retrying once", query, page, problem.reason)
            await asyncio.sleep(self.backoff)

    async def _attempt(self, params: dict[str, str]) -> SourcePage | _Transient:
        try:
            response = await get_http_client().get(
                self.endpoint, params=params, headers={"Accept": "application/json"}, timeout=self.timeout
            )
        except httpx.TimeoutException:
            upstream_error("timeout")
            return _Transient(None, "did not answer in time")
        except httpx.TransportError as exc:
            upstream_error("unreachable")
            # The exception's text may carry the URL (and so the key); its type says enough.
            return _Transient(None, f"could not be reached ({type(exc).__name__})")
        status = response.status_code
        if status in (401, 403):
            upstream_error("key_rejected")
            logger.warning("Unwrangle refused the API key (HTTP %d)", status)
            raise CatalogError(KEY_REJECTED)
        if status == 429 or status >= 500:
            upstream_error("rate_limited" if status == 429 else "http_5xx")
            return _Transient(response, f"answered HTTP {status}")
        if status != 200:
            upstream_error("rejected")
            logger.warning("Unwrangle rejected a search (HTTP %d)", status)
            raise CatalogError(
                f"Product search failed: Target's search service rejected the search (HTTP {status}). "
                "Try different words."
            )
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> SourcePage:
        try:
            body = response.json(parse_float=Decimal)
        except ValueError:
            upstream_error("unreadable")
            logger.warning("Unwrangle sent a body that is not JSON (%d bytes)", len(response.content))
            raise CatalogError(UNREADABLE) from None
        if not isinstance(body, dict):
            upstream_error("unreadable")
            raise CatalogError(UNREADABLE)
        if body.get("success") is not True:
            upstream_error("unsuccessful")
            message = body.get("message")
            upstream = self._scrub(message if isinstance(message, str) else "")[:160]
            logger.warning("Unwrangle answered success=false: %s", upstream or "(no message)")
            said = f' ("{upstream}")' if upstream else ""
            raise CatalogError(
                f"Product search failed: Target's search service could not run this search{said}. "
                "Try again, or rephrase the search."
            )
        results = body.get("results")
        if not isinstance(results, list):
            upstream_error("unreadable")
            raise CatalogError(UNREADABLE)
        products = [product for item in results if (product := self._product(item)) is not None]
        if len(products) < len(results):
            logger.info("Skipped %d Unwrangle results without an id, name or price", len(results) - len(products))
        total = _count(body.get("total_results")) or len(products)
        return SourcePage(total_results=total, products=products)

    def _scrub(self, text: str) -> str:
        return text.replace(self.api_key, "[key]") if self.api_key else text

    @staticmethod
    def _product(item: Any) -> CatalogProduct | None:
        """One result as a product, or None when it lacks what a cart needs (an id, a name, a price)."""
        try:
            fields = UnwrangleItem.model_validate(item)
        except ValidationError:
            return None
        tcin = fields.id
        images = [url for url in fields.images if _is_https_on(url, UNWRANGLE_IMAGE_HOST)]
        thumbnail = fields.thumbnail
        image = thumbnail if thumbnail and _is_https_on(thumbnail, UNWRANGLE_IMAGE_HOST) else None
        url = fields.url
        if not (url and _is_https_on(url, TARGET_PRODUCT_HOST)):
            url = f"https://{TARGET_PRODUCT_HOST}/p/-/A-{tcin}"
        return CatalogProduct(
            id=tcin,
            title=fields.name,
            brand=fields.brand,
            price=fields.price,
            currency=fields.currency,
            rating=fields.rating,
            review_count=fields.total_ratings,
            image=image or (images[0] if images else None),
            url=url,
            features=fields.features,
            images=images or ([image] if image else []),
        )


def _tcin(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _title(value: Any) -> Any:
    return value.strip()[:TITLE_MAX_LENGTH].strip() if isinstance(value, str) else value


def _text(limit: int, default: str) -> BeforeValidator:
    return BeforeValidator(lambda value: value.strip()[:limit] if isinstance(value, str) else default)


def _price(value: Any) -> Decimal:
    price = to_cents(value)  # ValueError for NaN, infinities, negatives and non-numbers
    if price > MAX_PRICE:
        raise ValueError(f"a price over {MAX_PRICE}")
    return price


def _optional_url(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= 2000 else None


class UnwrangleItem(BaseModel):
    """One Unwrangle search result, as far as we trust it: the fields a cart needs are required and
    bounded (the product is skipped otherwise); the rest fall back to safe values. NaN, infinities
    and huge numbers never get past here."""

    id: Annotated[str, BeforeValidator(_tcin), Field(pattern=PRODUCT_ID_PATTERN)]
    name: Annotated[str, BeforeValidator(_title), Field(min_length=1)]
    price: Annotated[Decimal, BeforeValidator(_price)]
    brand: Annotated[str, _text(BRAND_MAX_LENGTH, "")] = ""
    currency: Annotated[str, BeforeValidator(lambda value: value if value in {"USD"} else "USD")] = "USD"
    rating: Annotated[float, BeforeValidator(lambda value: _rating(value))] = 0.0
    total_ratings: Annotated[int, BeforeValidator(lambda value: _count(value))] = 0
    thumbnail: Annotated[str | None, BeforeValidator(_optional_url)] = None
    url: Annotated[str | None, BeforeValidator(_optional_url)] = None
    images: Annotated[list[str], BeforeValidator(lambda value: [u for u in _strings(value) if len(u) <= 2000])] = []
    features: Annotated[list[str], BeforeValidator(lambda value: [f[:500] for f in _strings(value)][:20])] = []


@dataclass(frozen=True)
class _Transient:
    """A failed attempt worth retrying: a timeout, a 5xx or a 429."""

    response: httpx.Response | None
    reason: str

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None


def _retry_after_seconds(problem: _Transient) -> float | None:
    """How long a 429 asks us to wait, or None if longer than we are willing to hold a tool call."""
    raw = problem.response.headers.get("Retry-After", "") if problem.response is not None else ""
    wait = RETRY_AFTER_DEFAULT_SECONDS
    if raw.strip().isdigit():
        wait = float(raw.strip())
    elif raw:
        try:
            wait = email.utils.parsedate_to_datetime(raw).timestamp() - time.time()
        except (TypeError, ValueError):
            wait = RETRY_AFTER_DEFAULT_SECONDS
    wait = max(wait, 0.0)
    return wait if wait <= RETRY_AFTER_MAX_SECONDS else None


def _strings(value: Any) -> list[str]:
    return [item.strip() for item in value if isinstance(item, str) and item.strip()] if isinstance(value, list) else []


def _is_https_on(url: str, host: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname == host


def _rating(value: Any) -> float:
    try:
        rating = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    if not math.isfinite(rating):
        return 0.0
    return round(min(max(rating, 0.0), 5.0), 1)


def _count(value: Any) -> int:
    if isinstance(value, Decimal) and not value.is_finite():
        return 0
    return min(int(value), MAX_REVIEW_COUNT) if isinstance(value, int | Decimal) and value >= 0 else 0


def active_catalog() -> Catalog:
    """Unwrangle when a key is configured, else the local catalog."""
    return UnwrangleCatalog() if settings.UNWRANGLE_API_KEY else LocalCatalog()
