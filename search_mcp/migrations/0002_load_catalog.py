"""Load the local catalog: the products in 0002_load_catalog.json, beside this file.

That file is a frozen copy of catalog/products.json as it was when this migration was written, so
this migration loads the same rows on every database, whenever it runs. Never edit it: a changed
catalog (python manage.py build_catalog) reaches databases through a new data migration that loads
its own copy of the new products.json.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

SNAPSHOT = Path(__file__).with_suffix(".json")


def load_catalog(apps, schema_editor):
    Product = apps.get_model("search_mcp", "Product")
    for item in json.loads(SNAPSHOT.read_text(encoding="utf-8")):
        tags, interests = list(item.get("tags", [])), list(item.get("interests", []))
        Product.objects.update_or_create(
            tcin=str(item["id"]),
            defaults={
                "title": item["title"],
                "brand": item.get("brand", ""),
                "department": item["department"],
                "price": Decimal(str(item["price"])).quantize(Decimal("0.01")),
                "currency": item.get("currency", "USD"),
                "rating": float(item.get("rating", 0)),
                "review_count": int(item.get("review_count", 0)),
                "features": list(item.get("features", [])),
                "tags": tags,
                "interests": interests,
                "url": item["url"],
                # Historical models lack Product.save(); this mirrors models.search_keywords.
                "keywords": " ".join(str(word).lower() for word in [*tags, *interests]),
            },
        )


def unload_catalog(apps, schema_editor):
    Product = apps.get_model("search_mcp", "Product")
    tcins = [str(item["id"]) for item in json.loads(SNAPSHOT.read_text(encoding="utf-8"))]
    Product.objects.filter(tcin__in=tcins).delete()


class Migration(migrations.Migration):
    dependencies = [("search_mcp", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, unload_catalog)]
