"""Named shoppers for tests. Lauren comes from the data migration; Marcus exists only in tests.

Lauren Bailey is the demo shopper: a runner who owns a Fitbit and cooks.
Marcus Chen (Seattle) games and drinks coffee, owns nothing Lauren does, and has no card on file.
"""

from __future__ import annotations

from auth_mcp.models import Shopper

LAUREN_EMAIL = "lauren@example.com"
LAUREN_PASSWORD = "circle360-demo"
MARCUS_EMAIL = "marcus.chen@example.com"
MARCUS_PASSWORD = "espresso-and-pixels"


def lauren() -> Shopper:
    return Shopper.objects.select_related("user").get(email=LAUREN_EMAIL)


def marcus() -> Shopper:
    return Shopper.objects.create_shopper(
        name="Marcus Chen",
        email=MARCUS_EMAIL,
        password=MARCUS_PASSWORD,
        phone="+1 206-555-0187",
        address_line1="1520 2nd Ave",
        city="Seattle",
        state="WA",
        postal_code="98101",
        interests=["gaming", "coffee", "home office"],
        owned_products=[
            {
                "tcin": "44913611",
                "title": "Nintendo Switch OLED Model - Neon Red/Neon Blue",
                "category": "Toys & Games",
            },
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
