"""The variant verdict's maths against known numbers."""

from __future__ import annotations

import math
import random

import pytest

from analytics.stats import Comparison, probability_b_beats_a, two_proportion_z_test


def test_the_z_test_matches_a_worked_example() -> None:
    # 10/100 vs 20/100: pooled 0.15, standard error sqrt(0.15 * 0.85 * 0.02) = 0.0505, z = 1.980.
    z, p = two_proportion_z_test(10, 100, 20, 100)

    assert z == pytest.approx(1.9803, abs=1e-4)
    assert p == pytest.approx(0.0477, abs=1e-4)


def test_the_z_test_of_equal_rates_is_zero_and_of_no_data_is_inconclusive() -> None:
    assert two_proportion_z_test(30, 100, 30, 100) == (0.0, 1.0)
    assert two_proportion_z_test(0, 0, 5, 10) == (0.0, 1.0)


def test_the_posterior_probability_matches_closed_forms() -> None:
    # No data on either side: a coin toss. One conversion in one try for B against nothing for A:
    # P(X > Y) for X ~ Beta(2, 1), Y ~ Beta(1, 1) is the integral of 2x * x over [0, 1] = 2/3.
    assert probability_b_beats_a(0, 0, 0, 0) == pytest.approx(0.5)
    assert probability_b_beats_a(0, 0, 1, 1) == pytest.approx(2 / 3)
    assert probability_b_beats_a(1, 1, 0, 0) == pytest.approx(1 / 3)
    assert probability_b_beats_a(40, 100, 40, 100) == pytest.approx(0.5)


def test_the_posterior_probability_agrees_with_sampling() -> None:
    draws = random.Random(17)
    n = 200_000
    wins = sum(draws.betavariate(1 + 20, 1 + 80) > draws.betavariate(1 + 10, 1 + 90) for _ in range(n))
    exact = probability_b_beats_a(10, 100, 20, 100)

    # Sampling error is about sqrt(p(1-p)/n) = 0.0005 here; six of those is far from chance.
    assert exact == pytest.approx(wins / n, abs=6 * math.sqrt(exact * (1 - exact) / n))
    assert exact == pytest.approx(0.9754, abs=1e-3)


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ((3, 10), (5, 10), "Not enough data yet"),
        ((10, 100), (20, 100), "grid converts better, 97% probability."),
        ((20, 100), (10, 100), "row converts better, 97% probability."),
        ((10, 100), (12, 100), "No clear winner yet: grid is ahead with 67% probability of converting better."),
    ],
)
def test_the_verdict_says_it_plainly(a: tuple[int, int], b: tuple[int, int], verdict: str) -> None:
    comparison = Comparison("row", a[0], a[1], "grid", b[0], b[1])

    assert comparison.verdict.startswith(verdict)
