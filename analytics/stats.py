"""Did variant B convert better than A? A two-proportion z-test and the Beta-Binomial posterior,
and a verdict in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Below this many shoppers in either variant, or conversions in both together, no verdict is given.
MIN_SHOPPERS_PER_VARIANT = 30
MIN_CONVERSIONS = 5
# A variant "converts better" when the posterior probability says so with this much certainty.
DECISIVE_PROBABILITY = 0.95


def two_proportion_z_test(converted_a: int, shoppers_a: int, converted_b: int, shoppers_b: int) -> tuple[float, float]:
    """(z, two-sided p-value) for "B's rate differs from A's", with the pooled standard error."""
    if not shoppers_a or not shoppers_b:
        return 0.0, 1.0
    pooled = (converted_a + converted_b) / (shoppers_a + shoppers_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / shoppers_a + 1 / shoppers_b))
    if error == 0:
        return 0.0, 1.0
    z = (converted_b / shoppers_b - converted_a / shoppers_a) / error
    return z, math.erfc(abs(z) / math.sqrt(2))


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def probability_b_beats_a(converted_a: int, shoppers_a: int, converted_b: int, shoppers_b: int) -> float:
    """P(rate B > rate A) with uniform Beta(1, 1) priors, exactly (Evan Miller's closed form)."""
    alpha_a, beta_a = 1 + converted_a, 1 + shoppers_a - converted_a
    alpha_b, beta_b = 1 + converted_b, 1 + shoppers_b - converted_b
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            _log_beta(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - _log_beta(1 + i, beta_b)
            - _log_beta(alpha_a, beta_a)
        )
    return min(1.0, max(0.0, total))


@dataclass(frozen=True)
class Comparison:
    name_a: str
    converted_a: int
    shoppers_a: int
    name_b: str
    converted_b: int
    shoppers_b: int

    @property
    def rate_a(self) -> float | None:
        return self.converted_a / self.shoppers_a if self.shoppers_a else None

    @property
    def rate_b(self) -> float | None:
        return self.converted_b / self.shoppers_b if self.shoppers_b else None

    @property
    def z_test(self) -> tuple[float, float]:
        return two_proportion_z_test(self.converted_a, self.shoppers_a, self.converted_b, self.shoppers_b)

    @property
    def probability_b_better(self) -> float:
        return probability_b_beats_a(self.converted_a, self.shoppers_a, self.converted_b, self.shoppers_b)

    @property
    def enough_data(self) -> bool:
        return (
            min(self.shoppers_a, self.shoppers_b) >= MIN_SHOPPERS_PER_VARIANT
            and self.converted_a + self.converted_b >= MIN_CONVERSIONS
        )

    @property
    def verdict(self) -> str:
        if not self.enough_data:
            return (
                f"Not enough data yet: {MIN_SHOPPERS_PER_VARIANT} shoppers per variant and {MIN_CONVERSIONS} "
                f"conversions are needed (now {self.shoppers_a} and {self.shoppers_b} shoppers, "
                f"{self.converted_a + self.converted_b} conversions)."
            )
        better = self.probability_b_better
        if better >= DECISIVE_PROBABILITY:
            return f"{self.name_b} converts better, {_percent(better)} probability."
        if 1 - better >= DECISIVE_PROBABILITY:
            return f"{self.name_a} converts better, {_percent(1 - better)} probability."
        leader, chance = (self.name_b, better) if better >= 0.5 else (self.name_a, 1 - better)
        return f"No clear winner yet: {leader} is ahead with {_percent(chance)} probability of converting better."


def _percent(probability: float) -> str:
    # Never round a not-quite-certain probability up to 100%.
    return f"{min(math.floor(probability * 100), 99)}%"
