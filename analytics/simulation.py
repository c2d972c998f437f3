"""Simulated shoppers for rehearsing the analytics: journeys written as the events real ones leave.

Used by `manage.py simulate_shoppers` and by tests that need a known funnel. Each step is written
as the event that reaches it (analytics.funnel.SHOPPING and MEMBERSHIP), so the funnel reads
simulated journeys exactly as it reads real ones.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analytics.models import Event, Experiment, Impression, Interaction, ToolCall
from analytics.shoppers import shopper_key


def step_event(step: str, shopper: str, at: datetime, experiment: str = "", variant: str = "") -> Event:
    """The event that reaches `step` (a key of funnel.SHOPPING or funnel.MEMBERSHIP), unsaved."""
    tagged = {"shopper": shopper, "occurred_at": at, "experiment": experiment, "variant": variant}
    untagged = {"shopper": shopper, "occurred_at": at}
    match step:
        case "search":
            return ToolCall(
                server="target-search", tool="search-target-products", outcome="ok", duration_ms=12, **untagged
            )
        case "viewed":
            return Interaction(widget="product-carousel", action="product_opened", target="38098260", **tagged)
        case "added":
            return ToolCall(server="target-checkout", tool="add-to-cart", outcome="ok", duration_ms=20, **untagged)
        case "checkout":
            return Impression(widget="checkout", render_ms=140, **untagged)
        case "ordered":
            return Interaction(widget="checkout", action="purchase_completed", **untagged)
        case "offer":
            return Impression(widget="circle-signup", render_ms=150, **untagged)
        case "enrolled":
            return Interaction(widget="circle-signup", action="membership_started", target="annual", **untagged)
    raise ValueError(f"No such step: {step}")


def save(events: Sequence[Event]) -> int:
    Impression.objects.bulk_create([event for event in events if isinstance(event, Impression)])
    Interaction.objects.bulk_create([event for event in events if isinstance(event, Interaction)])
    ToolCall.objects.bulk_create([event for event in events if isinstance(event, ToolCall)])
    return len(events)


def carousel_impression(shopper: str, at: datetime, experiment: str, variant: str) -> Impression:
    return Impression(
        widget="product-carousel",
        render_ms=180,
        shopper=shopper,
        occurred_at=at,
        experiment=experiment,
        variant=variant,
    )


# Chance of going on to each next step, per variant; "grid" is the better one in these rehearsals.
DEFAULT_RATES: Mapping[str, Sequence[float]] = {
    "row": (0.62, 0.45, 0.80, 0.70),
    "grid": (0.78, 0.60, 0.84, 0.76),
}
OFFER_RATE = 0.35
ENROL_RATE = 0.4


@dataclass
class Simulation:
    """`shoppers` journeys starting over `days` days before `until`, through the carousel experiment."""

    shoppers: int
    until: datetime
    experiment: Experiment | None
    days: int = 7
    seed: int = 17
    rates: Mapping[str, Sequence[float]] = field(default_factory=lambda: DEFAULT_RATES)

    def events(self) -> list[Event]:
        draws = random.Random(self.seed)
        variants = list(self.experiment.variants.all()) if self.experiment else []
        slug = self.experiment.slug if self.experiment else ""
        events: list[Event] = []
        for n in range(self.shoppers):
            shopper = shopper_key(f"simulated-{self.seed}-{n}")
            chosen = self.experiment.assign(shopper, variants) if self.experiment else None
            variant = chosen.name if chosen else ""
            rates = self.rates.get(variant) or next(iter(self.rates.values()))
            at = self.until - timedelta(days=draws.uniform(0, self.days), minutes=30)
            events.append(step_event("search", shopper, at))
            events.append(carousel_impression(shopper, at + timedelta(seconds=1), slug, variant))
            for step, rate in zip(("viewed", "added", "checkout", "ordered"), rates, strict=True):
                if draws.random() >= rate:
                    break
                at += timedelta(seconds=draws.uniform(10, 180))
                events.append(step_event(step, shopper, at, slug, variant))
            else:
                if draws.random() < OFFER_RATE:
                    at += timedelta(seconds=draws.uniform(5, 60))
                    events.append(step_event("offer", shopper, at))
                    if draws.random() < ENROL_RATE:
                        events.append(step_event("enrolled", shopper, at + timedelta(seconds=draws.uniform(10, 90))))
        return events
