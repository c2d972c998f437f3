"""The operator's admin: a branded console home with today's numbers, human app names, and the demo
reset in plain sight behind a confirmation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from auth_mcp.models import ShopperSession
from checkout_mcp.models import Cart, CartItem, Order
from tests.personas import LAUREN

pytestmark = pytest.mark.django_db


def place_order(total: str, *, days_ago: int = 0) -> None:
    Order.objects.create(
        shopper=LAUREN.shopper(),
        status=Order.Status.PLACED,
        subtotal=Decimal(total),
        shipping=Decimal("0.00"),
        tax=Decimal("0.00"),
        total=Decimal(total),
        tax_rate=Decimal("0.08750"),
        ship_to="1 Main St",
        idempotency_key=f"key-{total}-{days_ago}",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def number(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    return html[start : html.index("<", start)]


def test_the_admin_home_is_a_console_of_today(admin_client: Client) -> None:
    ShopperSession.objects.start()
    ShopperSession.objects.start()
    cart = Cart.objects.create(session=ShopperSession.objects.start(), shopper=LAUREN.shopper())
    CartItem.objects.create(cart=cart, product_id="38098260", title="Fitbit", unit_price=Decimal("99.95"), quantity=1)
    place_order("25.50")
    place_order("74.50")
    place_order("10.00", days_ago=2)

    html = admin_client.get("/admin/").content.decode()

    assert "<title>Console | Target demo</title>" in html
    assert "Target demo console" in html and "Django administration" not in html
    assert number(html, "live-sessions") == "3"
    assert number(html, "open-carts") == "1"
    assert number(html, "orders-today") == "2"
    assert "orders today, $100.00" in html
    assert number(html, "enrolments-today") == "0"
    assert number(html, "catalog-source").startswith("Local catalog, ")
    assert html.count('<svg class="chart sparkline"') == 2


def test_every_app_has_a_human_name(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()

    for name in ["Sign-in", "Product search", "Checkout", "Circle 360", "Demo analytics"]:
        assert f">{name}</a>" in html, name
    for label in ["Checkout_Mcp", "Membership_Mcp", "Search_Mcp", "Auth_Mcp"]:
        assert label not in html


def test_the_demo_reset_is_on_the_console_and_asks_first(admin_client: Client) -> None:
    ShopperSession.objects.start()
    html = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/auth_mcp/shoppersession/reset-demo/">Reset the demo…</a>' in html

    confirm = admin_client.get("/admin/auth_mcp/shoppersession/reset-demo/")
    assert "Yes, reset the demo" in confirm.content.decode()
    assert ShopperSession.objects.count() == 1
    admin_client.post("/admin/auth_mcp/shoppersession/reset-demo/")
    assert ShopperSession.objects.count() == 0
