"""The product search server (/mcp2)."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from pydantic import BaseModel, Field, StringConstraints

from analytics.tagging import WidgetVariant, tag_widget
from auth_mcp.models import Shopper, ShopperSession
from mcp_engine import MCPServer, ToolError, ToolResult
from search_mcp import services
from search_mcp.catalogs import PAGE_SIZE, CatalogProduct, active_catalog
from shop.errors import ShopError

MAX_QUERY_CHARS = 200
MAX_PAGE = 30
TEXT_TITLE_CHARS = 80

server = MCPServer(
    name="target-search",
    version="1.0.0",
    title="Target product search",
    instructions=(
        "Search Target's catalog and recommend products. Use search-target-products for what the "
        "shopper asks for, and get-agentforce-recommendations when they want advice on what to buy."
    ),
    principal_argument="sessionId",
    expected_errors=(ShopError,),
)

carousel = server.widget(
    "product-carousel",
    title="Target Shopping",
    description=(
        "A carousel of Target products with price, rating and review count. The shopper can open a "
        "product's details, view it on Target.com, or ask you to add it to their cart (they will say "
        "which product id); you don't need to repeat the products in your reply."
    ),
    prefers_border=True,
    resource_domains=lambda: active_catalog().image_origins,
    # The app's own origin, where the widget runtime sends the carousel's events.
    connect_domains=lambda: [settings.PUBLIC_BASE_URL],
    redirect_domains=["https://www.target.com"],
)

Query = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS),
    Field(description='What to look for, in the shopper\'s words, e.g. "fitbit charge" or "running socks".'),
]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"Results page, {PAGE_SIZE} products a page.")]
SessionId = Annotated[
    str | None,
    Field(
        max_length=64,
        description="The sessionId of a signed-in Target session (from the sign-in server), for personal picks.",
    ),
]

JourneySessionId = Annotated[
    str | None,
    Field(
        max_length=64,
        description="The sessionId of the shopper's Target session, when there is one (signed in or not).",
    ),
]


class ProductCard(BaseModel):
    id: str = Field(description="Target's product id (TCIN): pass it as productId to add-to-cart.")
    title: str
    brand: str
    price: str = Field(pattern=r"^\d+\.\d{2}$", description='Price with cents, as a decimal string, e.g. "19.99".')
    currency: str = Field(description='ISO 4217 code, e.g. "USD".')
    rating: float = Field(ge=0, le=5, description="Average rating out of 5; 0 when unrated.")
    review_count: int = Field(ge=0)
    image: str | None = Field(description="Absolute URL of the main product image.")
    url: str = Field(description="The product page on target.com.")
    features: list[str]

    @classmethod
    def of(cls, product: CatalogProduct) -> ProductCard:
        return cls(
            id=product.id,
            title=product.title,
            brand=product.brand,
            price=str(product.price),
            currency=product.currency,
            rating=product.rating,
            review_count=product.review_count,
            image=product.image,
            url=product.url,
            features=product.features,
        )


class SearchOutput(BaseModel):
    query: str = Field(description="The search as it was run (lower case, single spaces).")
    page: int
    page_size: int = Field(description="Products a full page holds: this page starts at (page - 1) * page_size + 1.")
    total_results: int = Field(description="How many products match in all.")
    has_more: bool = Field(description="True when a next page exists.")
    stale: bool = Field(description="True when Target's search was down and these are older cached results.")
    products: list[ProductCard]
    variant: WidgetVariant | None = Field(
        default=None,
        description="The carousel layout this shopper sees in an A/B experiment (row or grid); the widget draws it.",
    )


class RecommendedProduct(ProductCard):
    reasons: list[str] = Field(description="Why this product, in plain words.")


class RecommendationsOutput(BaseModel):
    query: str
    page: int
    total_results: int
    has_more: bool
    stale: bool
    personalized: bool = Field(description="True when ranked against a signed-in shopper's profile.")
    basis: str = Field(description="How the products were ranked.")
    products: list[RecommendedProduct]


@server.tool(
    name="search-target-products",
    title="Search Target products",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=True,
    widget=carousel,
    invoking="Searching Target",
    invoked="Products ready",
)
async def search_target_products(
    query: Query, page: Page = 1, sessionId: JourneySessionId = None
) -> ToolResult[SearchOutput]:
    """Search Target for products and show them in a carousel, a page at a time, with price, rating and reviews.

    Use it whenever the shopper wants to find or compare products. The result lists each product's
    id, which add-to-cart on the checkout server takes as productId. Ask for page 2, 3, ... for more.
    """
    results = await _search(query, page)
    tag = await tag_widget(carousel.name, sessionId)
    output = SearchOutput(
        query=results.query,
        page=results.page,
        page_size=PAGE_SIZE,
        total_results=results.total_results,
        has_more=results.has_more,
        stale=results.stale,
        products=[ProductCard.of(product) for product in results.products],
        variant=tag.variant,
    )
    images = {product.id: product.images for product in results.products}
    return ToolResult(output, text=_search_text(results), meta={"images": images, **tag.meta()})


@server.tool(
    name="get-agentforce-recommendations",
    title="Recommend Target products",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=True,
    invoking="Getting recommendations from Agentforce…",
    invoked="Recommendations received",
)
async def get_agentforce_recommendations(
    query: Query, page: Page = 1, sessionId: SessionId = None
) -> ToolResult[RecommendationsOutput]:
    """Recommend products for a search, best first, each with the reasons it suits the shopper.

    With the sessionId of a signed-in shopper, products are ranked against what they own (no
    repeats; accessories and upgrades for their devices), what they ordered and their interests.
    Without one, products are ranked by rating and review count. Reuses the search results, so
    calling it after search-target-products for the same query costs nothing extra.
    """
    results = await _search(query, page)
    shopper = await _signed_in_shopper(sessionId)
    left_out: list[services.LeftOut] = []
    if shopper is not None:
        profile = services.ShopperProfile.from_shopper(shopper)
        picks, left_out = services.rank_for_shopper(results.products, profile)
        basis = f"Personal picks for {shopper.name}, from what they own, what they ordered and their interests."
    else:
        picks = services.rank_by_ratings(results.products)
        basis = (
            "Not personalised: no signed-in shopper. Ranked by customer rating and review count. "
            "Pass the sessionId of a signed-in Target session for picks based on the shopper's history."
            if sessionId is None
            else "Not personalised: that session is not signed in yet, so these are ranked by customer "
            "rating and review count. Call authenticate-target with it, then ask again."
        )
    output = RecommendationsOutput(
        query=results.query,
        page=results.page,
        total_results=results.total_results,
        has_more=results.has_more,
        stale=results.stale,
        personalized=shopper is not None,
        basis=basis,
        products=[
            RecommendedProduct(**ProductCard.of(pick.product).model_dump(), reasons=pick.reasons) for pick in picks
        ],
    )
    return ToolResult(output, text=_recommendations_text(results, picks, left_out, basis))


async def _search(query: str, page: int) -> services.SearchResults:
    results = await services.search(query, page)
    if page > 1 and not results.products and results.total_results:
        raise ToolError(
            f'page: {page} is past the last page of results for "{results.query}" '
            f"({results.total_results} products, {results.last_page} pages)."
        )
    return results


async def _signed_in_shopper(session_id: str | None) -> Shopper | None:
    if session_id is None:
        return None
    session = await ShopperSession.objects.aget_live(session_id)
    return session.shopper if session.is_signed_in else None


def _line(number: int, product: CatalogProduct) -> str:
    title = product.title if len(product.title) <= TEXT_TITLE_CHARS else product.title[: TEXT_TITLE_CHARS - 1] + "…"
    rating = f"{product.rating:.1f}★ from {product.review_count:,} reviews" if product.review_count else "not rated yet"
    return f"{number}. {title} (id {product.id}): ${product.price}, {rating}"


def _stale_note(results: services.SearchResults) -> str:
    return (
        "Note: Target's search is unavailable right now, so these are cached results from earlier; "
        "prices may have changed.\n"
        if results.stale
        else ""
    )


def _search_text(results: services.SearchResults) -> str:
    if not results.products:
        return f'No Target products match "{results.query}". Suggest different or fewer words.'
    start = (results.page - 1) * PAGE_SIZE
    lines = [_line(start + index, product) for index, product in enumerate(results.products, start=1)]
    more = f" For more, call again with page={results.page + 1}." if results.has_more else ""
    return (
        f'{_stale_note(results)}Found {results.total_results} Target products for "{results.query}" '
        f"(page {results.page} of {results.last_page}). The carousel shows them to the shopper:\n"
        + "\n".join(lines)
        + f"\nTo add one to the cart, call add-to-cart on the checkout server with its id.{more}"
    )


def _recommendations_text(
    results: services.SearchResults,
    picks: list[services.Recommendation],
    left_out: list[services.LeftOut],
    basis: str,
) -> str:
    if not picks:
        if left_out:
            return f'The shopper already owns every product found for "{results.query}"; suggest a different search.'
        return f'No Target products match "{results.query}", so there is nothing to recommend. Try other words.'
    lines = []
    for number, pick in enumerate(picks, start=1):
        lines.append(_line(number, pick.product) + "\n   Why: " + "; ".join(pick.reasons) + ".")
    skipped = "".join(f"\nLeft out {item.product.title} (id {item.product.id}): {item.reason}." for item in left_out)
    return (
        f'{_stale_note(results)}Recommendations for "{results.query}". {basis}\n'
        + "\n".join(lines)
        + skipped
        + "\nLead with the first pick and its reasons, in a few bullets."
    )
