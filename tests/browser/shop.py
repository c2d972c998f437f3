"""Server-side setup for the widget tests that need a signed-in shopper, a cart or hostile data.

Everything goes through the real app: shoppers are written into the live server's database by
`manage.py shell` (tests.journeys.run_in_server_db, as an operator would), they sign in through the
sign-in widget's own callbacks (tests.journeys.sign_in), and carts are filled with the official MCP
client. Nothing here touches Lauren, the demo shopper, beyond what signing her in does.

Dedicated shoppers come from a pool made in one `manage.py shell` run: every pool shopper shares one
password hash (hashing a million-round PBKDF2 per shopper would cost seconds), and their emails
carry a per-run token, so runs against a shared PostgreSQL never collide. Each test that signs in
takes a fresh one, so no test sees another's cart, order or membership.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
KINDS = {
    "buyer": {"card_brand": "Visa", "card_last4": "4242", "address_line1": "1200 Nicollet Mall", "city": "Minneapolis"},
    "decliner": {"card_brand": "Visa", "card_last4": DECLINE_LAST4, "address_line1": "1200 Nicollet Mall", "city": "Minneapolis"},
    # HTML in the address, which the checkout and Circle 360 widgets show.
    "hostile": {"card_brand": "Visa", "card_last4": "4242", "address_line1": HOSTILE_TEXT, "city": BOLD},
}
BATCH = {"buyer": 48, "decliner": 4, "hostile": 6}


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
get_user_model().objects.filter(username__in=[row["email"] for row in rows]).update(password=make_password({PASSWORD!r}))
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


def signed_in_session(live: LiveServer) -> dict[str, Any]:
    session_id, _ = signed_in(live)
    return {"sessionId": session_id}


def hostile_shopper_session(live: LiveServer) -> dict[str, Any]:
    session_id, _ = signed_in(live, "hostile")
    return {"sessionId": session_id}


def session_with_cart(live: LiveServer) -> dict[str, Any]:
    session_id, _ = signed_in(live)
    fill_cart(live, session_id, FITBIT_CHARGE_6)
    return {"sessionId": session_id}


def hostile_session_with_hostile_cart(live: LiveServer) -> dict[str, Any]:
    """HTML in the cart line's title (the hostile product) and in the shipping address."""
    session_id, _ = signed_in(live, "hostile")
    fill_cart(live, session_id, HOSTILE_TCIN, FITBIT_CHARGE_6)
    return {"sessionId": session_id}
