"""The product feed (schema.feed.json, 2026-04-17): the local catalog as FeedMetadata and one
Product per catalog row, whose one variant's id is the id checkout sessions take (the TCIN).

The same documents serve `manage.py export_acp_feed DIR` (metadata.json + products.jsonl, for
file ingestion) and the read API (GET /acp/feeds/{id}, /acp/feeds/{id}/products).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from search_mcp.catalogs import LocalCatalog
from search_mcp.models import Product
from shop.payments.money import minor_units

TARGET_COUNTRY = "US"
SELLER = {"name": "Target", "links": [{"type": "about_us", "url": "https://corporate.target.com/"}]}


def feed_id() -> str:
    return f"feed_{settings.ACP_MERCHANT_ID}"


def metadata() -> dict[str, Any]:
    """FeedMetadata."""
    return {"id": feed_id(), "target_country": TARGET_COUNTRY}


def product(row: Product) -> dict[str, Any]:
    """Product, with its single Variant."""
    shown = LocalCatalog.to_product(row)
    media = [{"type": "image", "url": url, "alt_text": row.title} for url in shown.images]
    description = {"plain": "; ".join(shown.features) or row.title}
    return {
        "id": row.tcin,
        "title": row.title,
        "description": description,
        "url": row.url,
        "media": media[:1],
        "variants": [
            {
                "id": row.tcin,
                "title": row.title,
                "description": description,
                "url": row.url,
                "price": {"amount": minor_units(shown.price), "currency": row.currency.upper()},
                "availability": {"available": True, "status": "in_stock"},
                "categories": [{"value": row.department}],
                "variant_options": [{"name": "Brand", "value": row.brand}] if row.brand else [],
                "media": media,
                "seller": SELLER,
            }
        ],
    }


def products() -> Iterator[dict[str, Any]]:
    for row in Product.objects.order_by("tcin").iterator():
        yield product(row)
