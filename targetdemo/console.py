"""The admin home as an operator's console: what is happening in the demo now, at a glance."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from analytics import charts
from analytics.models import Experiment
from analytics.report import build_report
from auth_mcp.models import ShopperSession
from checkout_mcp.models import Cart, Order
from membership_mcp.models import Membership
from search_mcp.catalogs import active_catalog
from search_mcp.models import Product

SPARKLINE_DAYS = 14


def catalog_source() -> str:
    catalog = active_catalog()
    if catalog.name == "local":
        return f"Local catalog, {Product.objects.count()} products"
    return f"Target through Unwrangle (store {settings.UNWRANGLE_STORE_NO})"


def console() -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate(now)
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    orders = Order.objects.filter(status=Order.Status.PLACED, created_at__gte=midnight).aggregate(
        count=Count("id"), revenue=Sum("total")
    )
    report = build_report(
        today - timedelta(days=SPARKLINE_DAYS - 1), today, experiment=Experiment.objects.filter(active=True).first()
    )
    days = report.days
    return {
        "live_sessions": ShopperSession.objects.live().count(),
        "open_carts": Cart.objects.filter(items__isnull=False).distinct().count(),
        "orders_today": orders["count"],
        "revenue_today": orders["revenue"] or Decimal("0.00"),
        "enrolments_today": Membership.objects.filter(
            status=Membership.Status.ACTIVE, created_at__gte=midnight
        ).count(),
        "catalog_source": catalog_source(),
        "funnel": report.shopping,
        "comparison": report.comparison,
        "journeys_line": charts.sparkline(
            [entered for _, entered, _ in days], f"Journeys begun per day, last {SPARKLINE_DAYS} days"
        ),
        "orders_line": charts.sparkline(
            [ordered for _, _, ordered in days], f"Orders per day, last {SPARKLINE_DAYS} days"
        ),
        "sparkline_days": SPARKLINE_DAYS,
    }
