"""Helpers for the checkout and Circle 360 tests: named shoppers, the real sign-in, and the live DB.

Shoppers are written into the live server's database by `manage.py shell`, as an operator would,
with a per-run suffix on their emails so runs against a shared PostgreSQL never collide. They then
sign in through the real flow: create-target-session on /mcp, then the sign-in widget's callbacks
(DEMO_MODE hands back the texted code). The database is read the same way, in a subprocess with the
live server's environment, so the tests work against SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from mcp import Client

from tests.liveserver import ROOT, LiveServer

PASSWORD = "checkout-journey-2025"
RUN = secrets.token_hex(3)
RESULT_MARKER = "RESULT:"


@dataclass(frozen=True)
class Persona:
    name: str
    email: str
    card_brand: str
    card_last4: str
    address_line1: str
    city: str
    state: str
    postal_code: str


def persona(name: str, *, card_brand: str = "Visa", card_last4: str = "4242", city: str = "Minneapolis") -> Persona:
    handle = name.lower().replace(" ", ".")
    return Persona(
        name=name,
        email=f"{handle}+{RUN}-{secrets.token_hex(3)}@example.com",
        card_brand=card_brand,
        card_last4=card_last4,
        address_line1="1200 Nicollet Mall",
        city=city,
        state="MN",
        postal_code="55403",
    )


# Priya buys; Theo shops alongside her; Dana's card is the documented decline card; Sam holds a
# Target Circle Card; Ana joins Circle 360.
def priya() -> Persona:
    return persona("Priya Natarajan")


def theo() -> Persona:
    return persona("Theo Okafor", card_brand="Mastercard", card_last4="4444")


def dana() -> Persona:
    return persona("Dana Whitfield", card_last4="0002")


def sam() -> Persona:
    return persona("Sam Rivera", card_brand="Target Circle Card", card_last4="1111")


def ana() -> Persona:
    return persona("Ana Lima", card_last4="5556")


def run_in_live_db(live: LiveServer, code: str) -> Any:
    """Run `code` with Django set up against the live server's database; it sets `result`."""
    script = f"import json\nresult = None\n{code}\nprint({RESULT_MARKER!r} + json.dumps(result, default=str))"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", script],
        cwd=ROOT,
        env=live.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER))
    return json.loads(line.removeprefix(RESULT_MARKER))


def create_shoppers(live: LiveServer, *people: Persona) -> None:
    rows = [asdict(person) for person in people]
    run_in_live_db(
        live,
        f"""
from auth_mcp.models import Shopper
for row in {rows!r}:
    Shopper.objects.create_shopper(
        password={PASSWORD!r}, phone="+1 612-555-0199", card_exp_month=12, card_exp_year=2030, **row
    )
""",
    )


def set_card(live: LiveServer, person: Persona, last4: str) -> None:
    """What a presenter does in the admin: change the card on file."""
    run_in_live_db(
        live,
        f"from auth_mcp.models import Shopper\nShopper.objects.filter(email={person.email!r}).update(card_last4={last4!r})",
    )


def expire_session(live: LiveServer, session_id: str) -> None:
    run_in_live_db(
        live,
        "from django.utils import timezone\nfrom auth_mcp.models import ShopperSession\n"
        f"ShopperSession.objects.filter(handle={session_id!r}).update(expires_at=timezone.now())",
    )


async def new_session(live: LiveServer) -> str:
    async with Client(f"{live.url}/mcp") as client:
        created = await client.call_tool("create-target-session", {})
    session_id: str = created.structured_content["sessionId"]
    return session_id


async def sign_in(live: LiveServer, person: Persona) -> str:
    """A signed-in sessionId for `person`, through the same calls the sign-in widget makes."""
    session_id = await new_session(live)
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
        sent = await http.post(
            "/api/session/authenticate", json={"sessionId": session_id, "email": person.email, "password": PASSWORD}
        )
        assert sent.status_code == 200, sent.text
        verified = await http.post(
            "/api/session/verify", json={"sessionId": session_id, "code": sent.json()["demo_code"]}
        )
        assert verified.json()["authenticated"] is True, verified.text
    return session_id


async def call(live: LiveServer, endpoint: str, tool: str, arguments: dict[str, Any]) -> Any:
    async with Client(f"{live.url}/{endpoint}") as client:
        return await client.call_tool(tool, arguments)


async def post(live: LiveServer, path: str, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
        return await http.post(path, json=body, headers=headers)


def new_key() -> str:
    return secrets.token_hex(16)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
