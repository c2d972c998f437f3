"""The shoppers of the test suite, by name.

- Lauren Bailey, the demo shopper: a data migration makes her (she runs, tracks her sleep and owns a
  Fitbit Charge 5); tests sign her in and never change her.
- Marcus Chen (Seattle) games and drinks coffee, owns nothing Lauren does and has no card on file.
- Priya Natarajan buys; Theo Okafor shops alongside her.
- Dana Whitfield's card is the simulated processor's documented decline card.
- Sam Rivera holds a Target Circle Card; Ana Lima joins Circle 360.
- Mallory has HTML in her address, which the checkout and Circle 360 widgets show.

Everyone but Lauren exists only where a test makes them: in the test database (`persona.create()`)
or in a live server's (`create_in(live, ...)`). In a database that outlives a test (a live server's,
perhaps a shared PostgreSQL) use `persona.fresh()`: the same shopper under an email of their own, so
tests and runs never meet.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tests.services import RUN

if TYPE_CHECKING:
    from auth_mcp.models import Shopper
    from tests.liveserver import LiveServer

_serial = itertools.count(1)


@dataclass(frozen=True)
class Persona:
    name: str
    email: str
    password: str
    phone: str = "+1 612-555-0199"
    address_line1: str = "1200 Nicollet Mall"
    city: str = "Minneapolis"
    state: str = "MN"
    postal_code: str = "55403"
    card_brand: str = "Visa"
    card_last4: str = "4242"
    card_exp_month: int | None = 12
    card_exp_year: int | None = 2030
    interests: list[str] = field(default_factory=list)
    owned_products: list[dict[str, str]] = field(default_factory=list)
    purchase_history: list[dict[str, Any]] = field(default_factory=list)

    def fresh(self) -> Persona:
        """The same shopper under an email no other test or run uses."""
        local, _, domain = self.email.partition("@")
        return replace(self, email=f"{local}+{RUN}-{next(_serial)}@{domain}")

    def profile(self) -> dict[str, Any]:
        """The Shopper fields, as `Shopper.objects.create_shopper` takes them (without the password)."""
        fields = asdict(self)
        del fields["password"]
        return fields

    def create(self) -> Shopper:
        """Make this shopper in the test database."""
        from auth_mcp.models import Shopper

        return Shopper.objects.create_shopper(password=self.password, **self.profile())

    def shopper(self) -> Shopper:
        """This shopper as the test database holds them (Lauren is there from the start)."""
        from auth_mcp.models import Shopper

        return Shopper.objects.select_related("user").get(email=self.email)


def create_in(live: LiveServer, *people: Persona) -> None:
    """Make `people` in a live server's database in one go, as an operator's shell would.

    Each distinct password is hashed once (a password hash costs the server about 0.4 s)."""
    rows = [persona.profile() for persona in people]
    passwords: dict[str, list[str]] = {}
    for persona in people:
        passwords.setdefault(persona.password, []).append(persona.email)
    live.run_django(
        f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from auth_mcp.models import Shopper
for row in json.loads({json.dumps(rows)!r}):
    Shopper.objects.create_shopper(password=None, **row)
for password, emails in json.loads({json.dumps(passwords)!r}).items():
    get_user_model().objects.filter(username__in=emails).update(password=make_password(password))
"""
    )


LAUREN = Persona(
    name="Lauren Bailey",
    email="lauren@example.com",
    password="circle360-demo",
    phone="+1 612-555-0142",
    address_line1="742 Lyndale Ave S",
    card_exp_year=2028,
)

MARCUS = Persona(
    name="Marcus Chen",
    email="marcus.chen@example.com",
    password="espresso-and-pixels",
    phone="+1 206-555-0187",
    address_line1="1520 2nd Ave",
    city="Seattle",
    state="WA",
    postal_code="98101",
    card_brand="",
    card_last4="",
    card_exp_month=None,
    card_exp_year=None,
    interests=["gaming", "coffee", "home office"],
    owned_products=[
        {"tcin": "44913611", "title": "Nintendo Switch OLED Model - Neon Red/Neon Blue", "category": "Toys & Games"},
        {
            "tcin": "97870170",
            "title": "Keurig K-Mini Single-Serve K-Cup Pod Coffee Maker - Oasis",
            "category": "Kitchen & Dining",
        },
    ],
    purchase_history=[
        {
            "order_number": "TGT-5MCHEN01A",
            "placed_on": "2025-11-20",
            "items": [
                {
                    "tcin": "97870170",
                    "title": "Keurig K-Mini Single-Serve K-Cup Pod Coffee Maker - Oasis",
                    "price": "79.99",
                    "quantity": 1,
                },
                {
                    "tcin": "93148093",
                    "title": "Organic Ground Arabica Coffee Medium Roast - 12oz - Good & Gather",
                    "price": "6.99",
                    "quantity": 2,
                },
                {
                    "tcin": "46392483",
                    "title": "Logitech MX Master 3S Wireless Mouse - Graphite",
                    "price": "99.99",
                    "quantity": 1,
                },
            ],
            "total": "193.96",
        }
    ],
)

SHOPPER_PASSWORD = "checkout-journey-2025"
PRIYA = Persona(name="Priya Natarajan", email="priya.natarajan@example.com", password=SHOPPER_PASSWORD)
THEO = Persona(
    name="Theo Okafor",
    email="theo.okafor@example.com",
    password=SHOPPER_PASSWORD,
    card_brand="Mastercard",
    card_last4="4444",
)
DECLINE_LAST4 = "0002"  # the simulated processor's documented decline card
DANA = Persona(
    name="Dana Whitfield", email="dana.whitfield@example.com", password=SHOPPER_PASSWORD, card_last4=DECLINE_LAST4
)
SAM = Persona(
    name="Sam Rivera",
    email="sam.rivera@example.com",
    password=SHOPPER_PASSWORD,
    card_brand="Target Circle Card",
    card_last4="1111",
)
ANA = Persona(name="Ana Lima", email="ana.lima@example.com", password=SHOPPER_PASSWORD, card_last4="5556")
HOSTILE_TEXT = "<img src=x onerror=alert(1)>"
BOLD = "<b>bold</b>"
MALLORY = Persona(
    name="Mallory Hostile",
    email="mallory@example.com",
    password=SHOPPER_PASSWORD,
    address_line1=HOSTILE_TEXT,
    city=BOLD,
)
