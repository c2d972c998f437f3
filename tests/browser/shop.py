"""Server-side setup for the widget tests that need a signed-in shopper, a cart or hostile data.

Everything goes through the real app: shoppers are written into the live server's database by
`manage.py shell` (tests.journeys.run_in_server_db, as an operator would), they sign in through the
sign-in widget's own callbacks (tests.journeys.sign_in), and carts are filled with the official MCP
client. Nothing here touches Lauren, the demo shopper, beyond what signing her in does.

Dedicated shoppers come from a pool made in one `manage.py shell` run: every pool shopper shares one
password hash (hashing a million-round PBKDF2 per shopper would cost seconds), and their emails
carry a per-run token, so runs against a shared PostgreSQL never collide. The journeys take a fresh
shopper each; the shared widget tests reuse a signed-in session a few times (see REUSES), and take
a fresh shopper for Circle 360 once the last one has joined.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from mcp import Client

from tests.journeys import run_in_server_db, sign_in, start_session
from tests.liveserver import LiveServer

T = TypeVar("T")

HOSTILE_TEXT = "<img src=x onerror=alert(1)>"
PASSWORD = "browser-journey-2025"
RUN = secrets.token_hex(3)
# A real catalog product (the Fitbit Charge 6) and a product made for these tests, named with HTML.
FITBIT_CHARGE_6 = "38098260"
HOSTILE_TCIN = "999000" + str(secrets.randbelow(900) + 100)
HOSTILE_QUERY = "zzhostileprobe"
BOLD = "<b>bold</b>"
DECLINE_LAST4 = "0002"  # the simulated processor's documented decline card

# Shopper kinds: what the pool makes, and how many per batch.
NICOLLET = {"address_line1": "1200 Nicollet Mall", "city": "Minneapolis"}
KINDS = {
    "buyer": {"card_brand": "Visa", "card_last4": "4242", **NICOLLET},
    "decliner": {"card_brand": "Visa", "card_last4": DECLINE_LAST4, **NICOLLET},
    # HTML in the address, which the checkout and Circle 360 widgets show.
    "hostile": {"card_brand": "Visa", "card_last4": "4242", "address_line1": HOSTILE_TEXT, "city": BOLD},
}
BATCH = {"buyer": 24, "decliner": 4, "hostile": 4}


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync test code (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


@dataclass(frozen=True)
class Shopper:
    name: str
    email: str
    card_last4: str


class ShopperPool:
    """Dedicated shoppers in the live server's database, made a batch at a time, each handed out once."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.free: dict[str, list[Shopper]] = {kind: [] for kind in KINDS}
        self.batches = 0
        self.lock = threading.Lock()

    def take(self, kind: str = "buyer") -> Shopper:
        with self.lock:
            if not self.free[kind]:
                self._make_batch()
            return self.free[kind].pop()

    def _make_batch(self) -> None:
        self.batches += 1
        rows = [
            {
                "name": f"{kind.title()} Shopper{index}",
                "email": f"browser.{kind}+{RUN}-{self.batches}-{index}@example.com",
                "phone": "+1 612-555-0142",
                "state": "MN",
                "postal_code": "55403",
                "card_exp_month": 12,
                "card_exp_year": 2030,
                **KINDS[kind],
            }
            for kind, count in BATCH.items()
            for index in range(count)
        ]
        created = run_in_server_db(
            self.live,
            f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from auth_mcp.models import Shopper
rows = json.loads({json.dumps(rows)!r})
for row in rows:
    Shopper.objects.create_shopper(password=None, **row)
users = get_user_model().objects.filter(username__in=[row["email"] for row in rows])
users.update(password=make_password({PASSWORD!r}))
print(json.dumps([row["email"] for row in rows]))
""",
        )
        assert json.loads(created.splitlines()[-1]) == [row["email"] for row in rows]
        for row in rows:
            kind = next(k for k in KINDS if row["email"].startswith(f"browser.{k}+"))
            self.free[kind].append(Shopper(row["name"], row["email"], row["card_last4"]))


_pools: dict[str, ShopperPool] = {}


def pool(live: LiveServer) -> ShopperPool:
    return _pools.setdefault(live.url, ShopperPool(live))


def signed_in(live: LiveServer, kind: str = "buyer") -> tuple[str, Shopper]:
    """A fresh dedicated shopper of `kind`, signed in through the widget's callbacks."""
    shopper = pool(live).take(kind)
    session_id = run(lambda: start_session(live))
    sign_in(live, session_id, shopper.email, PASSWORD)
    return session_id, shopper


async def call_tool(live: LiveServer, endpoint: str, tool: str, arguments: dict[str, Any]) -> Any:
    async with Client(f"{live.url}{endpoint}") as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


def fill_cart(live: LiveServer, session_id: str, *product_ids: str) -> None:
    async def add_all() -> None:
        async with Client(f"{live.url}/mcp3") as client:
            for product_id in product_ids:
                result = await client.call_tool("add-to-cart", {"sessionId": session_id, "productId": product_id})
                assert not result.is_error, result.content

    run(add_all)


def create_hostile_product(live: LiveServer) -> None:
    run_in_server_db(
        live,
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
    run_in_server_db(
        live, f"from search_mcp.models import Product\nProduct.objects.filter(tcin={HOSTILE_TCIN!r}).delete()"
    )


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
        status = run(partial(call_tool, live, "/mcp4", "check-circle-membership", {"sessionId": session_id}))
        if not status["circle360Member"]:
            return {"sessionId": session_id}
        forget_session(live, kind, "circle")
    raise AssertionError("a fresh shopper is already a Circle 360 member")


def non_member_session(live: LiveServer) -> dict[str, Any]:
    return _non_member_session(live, "buyer")


def hostile_non_member_session(live: LiveServer) -> dict[str, Any]:
    """HTML in the shopper's address, which the Circle 360 sign-up shows."""
    return _non_member_session(live, "hostile")
