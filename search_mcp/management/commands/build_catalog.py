"""Write products.json, the local catalog the search server ships with, from catalog/product_lines.toml.

    python manage.py build_catalog            # rewrite search_mcp/catalog/products.json
    python manage.py build_catalog --check    # fail if the committed products.json is not what it writes

Deterministic and offline: the same file comes out every time. Ratings, review counts and TCINs come
from a seeded random number generator; everything else is in the data file. The database is not
touched: a changed catalog reaches it through a new data migration (search_mcp/migrations/0002 says how).
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog"
PRODUCT_LINES = CATALOG_DIR / "product_lines.toml"
OUTPUT = CATALOG_DIR / "products.json"
SEED = 20240407
CURRENCY = "USD"

Price = Annotated[str, StringConstraints(pattern=r"^\d+\.\d{2}$")]
Text = Annotated[str, StringConstraints(min_length=1)]


class Variant(BaseModel):
    """A variant whose price differs from its line's."""

    model_config = ConfigDict(extra="forbid")
    name: Text
    price: Price


class ProductLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brand: Text
    title: Text
    price: Price
    features: list[Text]
    tags: list[Text]
    interests: list[Text]
    variants: list[Text | Variant] = []

    def priced_variants(self) -> list[tuple[str, str]]:
        """(title suffix, price) for each variant; an empty suffix for a line without variants."""
        if not self.variants:
            return [("", self.price)]
        return [(v.name, v.price) if isinstance(v, Variant) else (v, self.price) for v in self.variants]


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    lines: list[ProductLine]


class ProductLines(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departments: list[Department]


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("&", "and")).strip("-")


def review_count(rng: random.Random, rating: float) -> int:
    # Long-tailed like real listings: most items have dozens of reviews, a few have thousands.
    return max(3, int(rng.lognormvariate(4.8 + (rating - 4.0), 1.2)))


def new_tcin(rng: random.Random, used: set[str]) -> str:
    tcin = str(rng.randint(10_000_000, 99_999_999))
    while tcin in used:
        tcin = str(rng.randint(10_000_000, 99_999_999))
    used.add(tcin)
    return tcin


def build_products(catalog: ProductLines) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    used_tcins: set[str] = set()
    products: list[dict[str, Any]] = []
    for department in catalog.departments:
        for line in department.lines:
            for suffix, price in line.priced_variants():
                title = f"{line.title} - {suffix}" if suffix else line.title
                tcin = new_tcin(rng, used_tcins)
                rating = round(rng.uniform(3.2, 4.9), 1)
                image = f"/catalog/images/{tcin}.svg"
                products.append(
                    {
                        "id": tcin,
                        "title": title,
                        "brand": line.brand,
                        "department": department.name,
                        "price": price,
                        "currency": CURRENCY,
                        "rating": rating,
                        "review_count": review_count(rng, rating),
                        "features": line.features,
                        "tags": line.tags,
                        "interests": line.interests,
                        "url": f"https://www.target.com/p/{slugify(title)}/-/A-{tcin}",
                        "images": [image, f"{image}?view=2", f"{image}?view=3"][: rng.choice((2, 3))],
                    }
                )
    return products


def render(products: list[dict[str, Any]]) -> str:
    """One product a line, so a changed product is a one-line diff."""
    lines = (json.dumps(product, ensure_ascii=False) for product in products)
    return "[\n" + ",\n".join(lines) + "\n]\n"


def read_product_lines(path: Path) -> ProductLines:
    try:
        return ProductLines.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        raise CommandError(f"{path}: {problems}") from None


class Command(BaseCommand):
    help = "Write the local catalog (search_mcp/catalog/products.json) from catalog/product_lines.toml."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=Path, default=PRODUCT_LINES, help="the product lines (TOML)")
        parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the catalog (JSON)")
        parser.add_argument(
            "--check", action="store_true", help="write nothing; fail if --output differs from what would be written"
        )

    def handle(self, *args: Any, lines: Path, output: Path, check: bool, **options: Any) -> None:
        products = build_products(read_product_lines(lines))
        text = render(products)
        departments = len({product["department"] for product in products})
        if check:
            if not output.exists() or output.read_text(encoding="utf-8") != text:
                raise CommandError(f"{output} is out of date: run python manage.py build_catalog")
            self.stdout.write(f"{output} is up to date ({len(products)} products in {departments} departments)")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {len(products)} products in {departments} departments to {output}")
