"""The shopping funnel: how far each shopper's journey got, step by step, and where most left.

A journey reaches a step at its first event of that step at or after it reached the step before,
so steps count in order: an order placed without a search (by a host that skipped it) does not
count as a searched shopper's order. The maths here are pure; `load_journeys` reads the events.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from analytics.models import Channel, Impression, Interaction, ToolCall


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    # The events that reach this step, for one time range.
    events: Callable[[datetime, datetime], QuerySet[Any]]


def _tool(name: str) -> Callable[[datetime, datetime], QuerySet[Any]]:
    return lambda start, end: ToolCall.objects.filter(tool=name, outcome="ok", occurred_at__range=(start, end))


def _shown(widget: str) -> Callable[[datetime, datetime], QuerySet[Any]]:
    return lambda start, end: Impression.objects.filter(widget=widget, occurred_at__range=(start, end))


def _did(action: str) -> Callable[[datetime, datetime], QuerySet[Any]]:
    return lambda start, end: Interaction.objects.filter(action=action, occurred_at__range=(start, end))


SHOPPING = (
    Step("search", "Searched", _tool("search-target-products")),
    Step("viewed", "Viewed a product", _did(Interaction.Action.PRODUCT_OPENED)),
    Step("added", "Added to cart", _tool("add-to-cart")),
    Step("checkout", "Saw checkout", _shown("checkout")),
    Step("ordered", "Placed an order", _did(Interaction.Action.PURCHASE_COMPLETED)),
)
MEMBERSHIP = (
    Step("offer", "Saw the Circle 360 offer", _shown("circle-signup")),
    Step("enrolled", "Enrolled", _did(Interaction.Action.MEMBERSHIP_STARTED)),
)


@dataclass
class Journey:
    """One shopper's events, by step key: the times of each, and the shopper's variant and channel."""

    shopper: str
    times: dict[str, list[datetime]] = field(default_factory=dict)
    variant: str = ""
    channel: str = Channel.WIDGET

    def reached(self, steps: Sequence[Step]) -> list[datetime]:
        """When the journey reached each step, in order, up to the first it did not reach."""
        reached: list[datetime] = []
        for step in steps:
            after = reached[-1] if reached else None
            later = [at for at in self.times.get(step.key, ()) if after is None or at >= after]
            if not later:
                break
            reached.append(min(later))
        return reached


@dataclass(frozen=True)
class StepResult:
    step: Step
    shoppers: int
    # Of the shoppers who reached the step before (None for the first step).
    conversion: float | None
    # Of the shoppers who reached the first step.
    overall: float | None
    lost: int
    median_seconds: float | None


@dataclass(frozen=True)
class FunnelResult:
    steps: list[StepResult]

    @property
    def entered(self) -> int:
        return self.steps[0].shoppers if self.steps else 0

    @property
    def completed(self) -> int:
        return self.steps[-1].shoppers if self.steps else 0

    @property
    def drop_off(self) -> StepResult | None:
        """The step before which most shoppers left (the first such step on a tie); None if none left."""
        worst = max(self.steps[1:], key=lambda result: result.lost, default=None)
        return worst if worst is not None and worst.lost > 0 else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def funnel(journeys: Iterable[Journey], steps: Sequence[Step]) -> FunnelResult:
    counts = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    for journey in journeys:
        reached = journey.reached(steps)
        for index, at in enumerate(reached):
            counts[index] += 1
            if index:
                gaps[index].append((at - reached[index - 1]).total_seconds())
    results = []
    for index, step in enumerate(steps):
        before = counts[index - 1] if index else None
        results.append(
            StepResult(
                step=step,
                shoppers=counts[index],
                conversion=_ratio(counts[index], before) if before is not None else None,
                overall=_ratio(counts[index], counts[0]),
                lost=(before - counts[index]) if before is not None else 0,
                median_seconds=statistics.median(gaps[index]) if gaps[index] else None,
            )
        )
    return FunnelResult(results)


def by(journeys: Iterable[Journey], key: Callable[[Journey], Any], steps: Sequence[Step]) -> dict[Any, FunnelResult]:
    """One funnel per value of `key` (a variant, a channel, a day), in sorted order of the values."""
    groups: dict[Any, list[Journey]] = defaultdict(list)
    for journey in journeys:
        value = key(journey)
        if value is not None:
            groups[value].append(journey)
    return {value: funnel(groups[value], steps) for value in sorted(groups)}


def first_day(steps: Sequence[Step]) -> Callable[[Journey], date | None]:
    """The day a journey entered the funnel: funnels per day count each journey on that day."""

    def day(journey: Journey) -> date | None:
        reached = journey.reached(steps[:1])
        return reached[0].date() if reached else None

    return day


def load_journeys(
    start: datetime, end: datetime, steps: Sequence[Step], experiment: str = "", channel: str = ""
) -> list[Journey]:
    """Every known shopper's journey through `steps` between `start` and `end`, with the variant of
    `experiment` the shopper saw (the first one reported) and the channel of their last step."""
    journeys: dict[str, Journey] = {}
    last_channel: dict[str, tuple[datetime, str]] = {}
    for step in steps:
        rows = step.events(start, end).exclude(shopper="")
        if channel:
            rows = rows.filter(channel=channel)
        for shopper, at, seen_channel in rows.values_list("shopper", "occurred_at", "channel"):
            journey = journeys.setdefault(shopper, Journey(shopper))
            journey.times.setdefault(step.key, []).append(at)
            if shopper not in last_channel or last_channel[shopper][0] < at:
                last_channel[shopper] = (at, seen_channel)
    for shopper, (_, seen_channel) in last_channel.items():
        journeys[shopper].channel = seen_channel
    if experiment:
        # Assignment is sticky, so any event of the shopper that names a variant names theirs.
        for model in (Impression, Interaction):
            tagged = (
                model.objects.filter(experiment=experiment, occurred_at__range=(start, end))
                .exclude(variant="")
                .values_list("shopper", "variant")
                .distinct()
            )
            for shopper, variant in tagged:
                if shopper in journeys:
                    journeys[shopper].variant = variant
    return list(journeys.values())
