"""Server-side setup for the widget tests that need a signed-in shopper, a cart or hostile data.

Everything goes through the real app, with the live-server harness: shoppers (tests.personas) are
made in the live server's database as an operator would, sign in through the sign-in widget's own
callbacks, and carts are filled with the official MCP client. Nothing here touches Lauren, the demo
shopper, beyond what signing her in does.

Shoppers are made a batch at a time, since each `manage.py shell` run costs a second or two. The
journeys take a fresh shopper each; the shared widget tests reuse a signed-in session a few times
(see REUSES), and take a fresh shopper for Circle 360 once the last one has joined.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tests.liveserver import LiveServer, call_tool, sign_in, start_session
from tests.personas import BOLD, DANA, HOSTILE_TEXT, MALLORY, MARCUS, PRIYA, Persona, create_in

T = TypeVar("T")

# A real catalog product (the Fitbit Charge 6) and a product made for these tests, named with HTML.
FITBIT_CHARGE_6 = "38098260"
HOSTILE_TCIN = "999000" + str(secrets.randbelow(900) + 100)
HOSTILE_QUERY = "zzhostileprobe"

# Who the pool makes, by kind, and how many per batch.
KINDS = {"buyer": PRIYA, "decliner": DANA, "hostile": MALLORY, "cardless": MARCUS}
BATCH = {"buyer": 24, "decliner": 4, "hostile": 4, "cardless": 2}


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync test code (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, make()).result()


def tool_result(live: LiveServer, endpoint: str, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A successful tool call's structuredContent, from sync test code."""
    result = run(lambda: call_tool(live, endpoint, tool, arguments))
    assert not result.is_error, result.content
    return dict(result.structured_content or {})


class ShopperPool:
    """Fresh shoppers in the live server's database, made a batch at a time, each handed out once."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.free: dict[str, list[Persona]] = {kind: [] for kind in KINDS}
        self.lock = threading.Lock()

    def take(self, kind: str = "buyer") -> Persona:
        with self.lock:
            if not self.free[kind]:
                batch = {kind: [KINDS[kind].fresh() for _ in range(count)] for kind, count in BATCH.items()}
                create_in(self.live, *(persona for people in batch.values() for persona in people))
                for made, people in batch.items():
                    self.free[made].extend(people)
            return self.free[kind].pop()


_pools: dict[str, ShopperPool] = {}


def signed_in(live: LiveServer, kind: str = "buyer") -> tuple[str, Persona]:
    """A fresh shopper of `kind`, signed in through the widget's callbacks."""
    shopper = _pools.setdefault(live.url, ShopperPool(live)).take(kind)
    session_id = run(lambda: start_session(live))
    sign_in(live, session_id, shopper)
    return session_id, shopper


def fill_cart(live: LiveServer, session_id: str, *product_ids: str) -> None:
    for product_id in product_ids:
        tool_result(live, "/mcp3", "add-to-cart", {"sessionId": session_id, "productId": product_id})


def create_hostile_product(live: LiveServer) -> None:
    live.run_django(
        f"""
from decimal import Decimal
from search_mcp.models import Product
Product.objects.update_or_create(tcin={HOSTILE_TCIN!r}, defaults=dict(
    title={HOSTILE_TEXT!r}, brand={BOLD!r}, department="Toys", price=Decimal("12.34"), rating=4.5,
    review_count=3, features=[{HOSTILE_TEXT!r}, {BOLD!r}], tags=[{HOSTILE_QUERY!r}], interests=[],
    url="https://www.target.com/p/-/A-{HOSTILE_TCIN}",
))
""",
    )


def delete_hostile_product(live: LiveServer) -> None:
    live.run_django(f"from search_mcp.models import Product\nProduct.objects.filter(tcin={HOSTILE_TCIN!r}).delete()")


# -- WidgetCase.prepare hooks: what each widget needs before its tool is called ---------------------


def fresh_session(live: LiveServer) -> dict[str, Any]:
    """A new, not yet signed-in shopper session (the sign-in widget's starting point)."""
    return {"sessionId": run(lambda: start_session(live))}


# Signing in costs the server a password hash (about 0.4 s), so the shared widget tests reuse a
# signed-in session a few times before taking a fresh shopper; few enough that a session stays far
# below the per-shopper MCP rate limit (100 calls a minute) and well inside its 10-minute idle expiry.
REUSES = 6
_reusable: dict[tuple[str, str], tuple[str, int, float]] = {}


def reusable_session(live: LiveServer, kind: str = "buyer", *, purpose: str = "") -> str:
    key = (live.url, f"{kind}:{purpose}")
    cached = _reusable.get(key)
    if cached and cached[1] < REUSES and time.monotonic() - cached[2] < 300:
        session_id, uses = cached[0], cached[1] + 1
    else:
        (session_id, _), uses = signed_in(live, kind), 1
    _reusable[key] = (session_id, uses, time.monotonic())
    return session_id


def forget_session(live: LiveServer, kind: str, purpose: str) -> None:
    _reusable.pop((live.url, f"{kind}:{purpose}"), None)


def signed_in_session(live: LiveServer) -> dict[str, Any]:
    return {"sessionId": reusable_session(live)}


def session_with_cart(live: LiveServer) -> dict[str, Any]:
    session_id = reusable_session(live)
    fill_cart(live, session_id, FITBIT_CHARGE_6)
    return {"sessionId": session_id}


def hostile_session_with_hostile_cart(live: LiveServer) -> dict[str, Any]:
    """HTML in the cart line's title (the hostile product) and in the shipping address."""
    session_id = reusable_session(live, "hostile")
    fill_cart(live, session_id, HOSTILE_TCIN, FITBIT_CHARGE_6)
    return {"sessionId": session_id}


def _non_member_session(live: LiveServer, kind: str) -> dict[str, Any]:
    """A signed-in shopper who has not joined Circle 360 (some tests join, which uses one up)."""
    for _ in range(2):
        session_id = reusable_session(live, kind, purpose="circle")
        status = tool_result(live, "/mcp4", "check-circle-membership", {"sessionId": session_id})
        if not status["circle360Member"]:
            return {"sessionId": session_id}
        forget_session(live, kind, "circle")
    raise AssertionError("a fresh shopper is already a Circle 360 member")


def non_member_session(live: LiveServer) -> dict[str, Any]:
    return _non_member_session(live, "buyer")


def hostile_non_member_session(live: LiveServer) -> dict[str, Any]:
    """HTML in the shopper's address, which the Circle 360 sign-up shows."""
    return _non_member_session(live, "hostile")
