"""The local catalog: Target-like products the search server answers from when Unwrangle is off."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

IMAGE_PATH = "/catalog/images/{tcin}.svg"


def search_keywords(tags: list[str], interests: list[str]) -> str:
    """The denormalised text that search matches besides title, brand and department."""
    return " ".join(str(word).lower() for word in [*tags, *interests])


class Product(models.Model):
    """One product line variant, identified like Target does by its TCIN."""

    tcin = models.CharField(
        "TCIN",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{6,12}$", "A TCIN is 6 to 12 digits.")],
        help_text="Target's item number; shown to the model as the product id.",
    )
    title = models.CharField(max_length=200)
    brand = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    currency = models.CharField(max_length=3, default="USD")
    rating = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(5.0)], help_text="0 to 5; 0 means unrated."
    )
    review_count = models.PositiveIntegerField(default=0)
    features = models.JSONField(default=list, blank=True, help_text='Bullet points, e.g. ["Built-in GPS"].')
    tags = models.JSONField(default=list, blank=True, help_text='Search words, e.g. ["fitness tracker", "gps"].')
    interests = models.JSONField(default=list, blank=True, help_text='Shopper interests it suits, e.g. ["running"].')
    url = models.URLField(max_length=500, help_text="The product page on target.com.")
    keywords = models.TextField(editable=False, blank=True, help_text="Tags and interests, kept for search.")

    class Meta:
        ordering = ["department", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="search_mcp_product_price_not_negative"),
            models.CheckConstraint(condition=Q(rating__gte=0, rating__lte=5), name="search_mcp_product_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.tcin})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.keywords = search_keywords(self.tags, self.interests)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"tags", "interests"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "keywords"}
        super().save(*args, **kwargs)

    @property
    def image_paths(self) -> list[str]:
        """The three drawn views of this product, relative to the app's public URL."""
        first = IMAGE_PATH.format(tcin=self.tcin)
        return [first, f"{first}?view=2", f"{first}?view=3"]

    def art(self) -> dict[str, Any]:
        """What the image renderer draws from."""
        return {"id": self.tcin, "title": self.title, "brand": self.brand, "department": self.department}
