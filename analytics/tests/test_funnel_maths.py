"""The funnel against hand-counted journeys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.funnel import MEMBERSHIP, SHOPPING, Journey, by, first_day, funnel

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEYS = [step.key for step in SHOPPING]


def journey(name: str, *minutes: float, variant: str = "", start: datetime = START) -> Journey:
    """A shopper who reached the first len(minutes) steps, each at that many minutes from `start`."""
    times = {key: [start + timedelta(minutes=m)] for key, m in zip(KEYS, minutes, strict=False)}
    return Journey(name, times, variant=variant)


# 10 shoppers search; 8 open a product; 4 add to cart; 3 see checkout; 2 order.
JOURNEYS = [
    journey("s1", 0, 1, 3, 4, 6),
    journey("s2", 0, 2, 4, 5, 9),
    journey("s3", 0, 3, 6, 7),
    journey("s4", 0, 1, 2),
    journey("s5", 0, 1),
    journey("s6", 0, 1),
    journey("s7", 0, 1),
    journey("s8", 0, 4),
    journey("s9", 0),
    journey("s10", 0),
]


def test_counts_conversions_and_median_times_match_the_hand_count() -> None:
    result = funnel(JOURNEYS, SHOPPING)

    assert [step.shoppers for step in result.steps] == [10, 8, 4, 3, 2]
    assert [step.conversion for step in result.steps] == [None, 0.8, 0.5, 0.75, pytest.approx(2 / 3)]
    assert [step.overall for step in result.steps] == [1.0, 0.8, 0.4, 0.3, 0.2]
    assert [step.lost for step in result.steps] == [0, 2, 4, 1, 1]
    # Minutes from opening a product to adding to cart: s1 2, s2 2, s3 3, s4 1 -> median 2.
    assert [step.median_seconds for step in result.steps] == [None, 60.0, 120.0, 60.0, 180.0]
    assert result.entered == 10 and result.completed == 2


def test_the_drop_off_is_the_step_that_lost_the_most_shoppers() -> None:
    drop = funnel(JOURNEYS, SHOPPING).drop_off

    assert drop is not None and drop.step.key == "added" and drop.lost == 4


def test_a_step_counts_only_after_the_step_before_it() -> None:
    # Ordered before searching: the order does not count, and neither does a view before the search.
    skipped = Journey("s", {"ordered": [START], "viewed": [START], "search": [START + timedelta(minutes=1)]})

    assert [step.shoppers for step in funnel([skipped], SHOPPING).steps] == [1, 0, 0, 0, 0]


def test_an_empty_funnel_has_no_rates_and_no_drop_off() -> None:
    result = funnel([], MEMBERSHIP)

    assert [step.shoppers for step in result.steps] == [0, 0]
    assert result.steps[1].conversion is None and result.drop_off is None


def test_funnels_split_by_variant_and_by_the_day_a_journey_began() -> None:
    later = START + timedelta(days=1)
    journeys = [
        journey("a1", 0, 1, 2, 3, 4, variant="row"),
        journey("a2", 0, variant="row"),
        journey("b1", 0, 1, 2, 3, 4, variant="grid", start=later),
        journey("b2", 0, 1, 2, 3, 4, variant="grid", start=later),
        journey("b3", 0, 1, variant="grid", start=later),
    ]

    per_variant = by(journeys, lambda j: j.variant, SHOPPING)
    assert {name: (f.entered, f.completed) for name, f in per_variant.items()} == {"grid": (3, 2), "row": (2, 1)}
    per_day = by(journeys, first_day(SHOPPING), SHOPPING)
    assert list(per_day) == [date(2026, 11, 2), date(2026, 11, 3)]
    assert [f.entered for f in per_day.values()] == [2, 3]
