"""What happened in a demo, without who: widget impressions, widget interactions and tool calls, each
tagged with a shopper pseudonym (analytics.shoppers), the shopper's experiment variant and the
channel; and the experiments whose variants widgets render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import models
from django.db.models import Q

WIDGET_NAME_LENGTH = 64
NAME_LENGTH = 40
TARGET_LENGTH = 64


class Channel(models.TextChoices):
    WIDGET = "widget", "Widget checkout"
    AGENTIC = "agentic", "Agentic checkout"


class Event(models.Model):
    # 32 hex characters of HMAC (analytics.shoppers); empty when the shopper is unknown.
    shopper = models.CharField(max_length=32, blank=True)
    experiment = models.CharField(max_length=NAME_LENGTH, blank=True)
    variant = models.CharField(max_length=NAME_LENGTH, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WIDGET)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True
        ordering = ["-occurred_at"]


class Impression(Event):
    """A widget rendered its first result, `render_ms` after its frame started loading."""

    widget = models.CharField(max_length=WIDGET_NAME_LENGTH)
    render_ms = models.PositiveIntegerField()

    class Meta(Event.Meta):
        indexes = [models.Index(fields=["shopper", "occurred_at"], name="impression_shopper_time")]

    def __str__(self) -> str:
        return f"{self.widget} rendered in {self.render_ms} ms"


class Interaction(Event):
    """Something the shopper did in a widget."""

    class Action(models.TextChoices):
        PRODUCT_OPENED = "product_opened", "Product opened"
        ADD_TO_CART_PRESSED = "add_to_cart_pressed", "Add to cart pressed"
        SIGN_IN_STEP = "sign_in_step", "Sign-in step reached"
        CHECKOUT_PRESSED = "checkout_pressed", "Checkout pressed"
        PURCHASE_COMPLETED = "purchase_completed", "Purchase completed"
        MEMBERSHIP_STARTED = "membership_started", "Membership started"
        LINK_OPENED = "link_opened", "Link opened"

    widget = models.CharField(max_length=WIDGET_NAME_LENGTH)
    action = models.CharField(max_length=32, choices=Action.choices)
    # What the action was about: a product id, a sign-in step's name. Never personal data.
    target = models.CharField(max_length=TARGET_LENGTH, blank=True)

    class Meta(Event.Meta):
        indexes = [models.Index(fields=["shopper", "occurred_at"], name="interaction_shopper_time")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} in {self.widget}"


class ToolCall(Event):
    """One tool call on one MCP server, recorded by the server itself."""

    server = models.CharField(max_length=WIDGET_NAME_LENGTH)
    tool = models.CharField(max_length=WIDGET_NAME_LENGTH)
    # The engine's outcomes: ok, tool_error, input_required, protocol_error, internal_error.
    outcome = models.CharField(max_length=32)
    duration_ms = models.FloatField()

    class Meta(Event.Meta):
        indexes = [models.Index(fields=["shopper", "occurred_at"], name="toolcall_shopper_time")]

    def __str__(self) -> str:
        return f"{self.server} {self.tool}: {self.outcome}"


def bucket(salt: str, key: str) -> float:
    """A point in [0, 1) fixed by `salt` and `key`: the same shopper always lands on the same point."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick(weights: Sequence[tuple[str, int]], point: float) -> str | None:
    """The name whose share of the total weight covers `point`; None when every weight is 0."""
    total = sum(weight for _, weight in weights)
    if total <= 0:
        return None
    mark = point * total
    for name, weight in weights:
        if mark < weight:
            return name
        mark -= weight
    return weights[-1][0]


class Experiment(models.Model):
    """An A/B test of one widget: its variants and their weights. At most one runs per widget."""

    slug = models.SlugField(max_length=NAME_LENGTH, unique=True, help_text="Names the experiment in events and URLs.")
    widget = models.CharField(max_length=WIDGET_NAME_LENGTH, help_text="The widget it varies, e.g. product-carousel.")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Only an active experiment assigns variants.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["widget"], condition=Q(active=True), name="one_active_experiment_a_widget")
        ]

    def __str__(self) -> str:
        return self.slug

    def assign(self, shopper: str, variants: Sequence[Variant]) -> Variant | None:
        """The shopper's variant: sticky, since it depends only on the experiment and the shopper."""
        name = pick([(variant.name, variant.weight) for variant in variants], bucket(self.slug, shopper))
        return next((variant for variant in variants if variant.name == name), None)


class Variant(models.Model):
    """One version of the widget. The first one made is the control (A)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.SlugField(
        max_length=NAME_LENGTH, help_text="What the widget reads, e.g. row or grid for the product carousel."
    )
    weight = models.PositiveIntegerField(default=1, help_text="Share of shoppers, relative to the other variants.")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["experiment", "name"], name="variant_name_unique")]

    def __str__(self) -> str:
        return f"{self.experiment.slug}: {self.name}"


class FunnelReport(Impression):
    """The funnel page's place in the admin (analytics.admin.FunnelReportAdmin); no data of its own."""

    class Meta:
        proxy = True
        verbose_name = "funnel"
        verbose_name_plural = "funnel"
