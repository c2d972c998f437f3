"""A/B experiments: sticky assignment that follows the weights, stated in the tool result."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from django.db import IntegrityError
from pytest_django.fixtures import Settings

from analytics.models import Experiment, Variant, pick
from analytics.shoppers import shopper_key
from analytics.tagging import tag_widget

SHOPPERS = 4000


def split(experiment: Experiment) -> Counter[str]:
    variants = list(experiment.variants.all())
    assigned = (experiment.assign(shopper_key(f"session-{n}"), variants) for n in range(SHOPPERS))
    return Counter(variant.name for variant in assigned if variant)


def make(slug: str, widget: str = "product-carousel", /, **weights: int) -> Experiment:
    experiment = Experiment.objects.create(slug=slug, widget=widget)
    for name, weight in weights.items():
        Variant.objects.create(experiment=experiment, name=name, weight=weight)
    return experiment


@pytest.mark.django_db
@pytest.mark.parametrize("weights", [{"row": 50, "grid": 50}, {"row": 70, "grid": 30}, {"a": 1, "b": 2, "c": 5}])
def test_the_split_follows_the_weights(settings: Settings, weights: dict[str, int]) -> None:
    settings.ANALYTICS_SECRET = "split-test"
    counts = split(make("layout", **weights))

    total = sum(weights.values())
    expected = {name: SHOPPERS * weight / total for name, weight in weights.items()}
    # Pearson's chi-square against the weights; the critical values at p = 0.001 for 1 and 2
    # degrees of freedom. The keys are fixed, so this is a fixed outcome, checked once for fairness.
    chi_square = sum((counts[name] - expected[name]) ** 2 / expected[name] for name in weights)
    critical = {1: 10.83, 2: 13.82}[len(weights) - 1]
    assert chi_square < critical, (counts, expected)
    assert sum(counts.values()) == SHOPPERS


@pytest.mark.django_db
def test_a_shopper_keeps_their_variant() -> None:
    experiment = make("cta", "checkout", buy=1, pay=1)
    variants = list(experiment.variants.all())
    shopper = shopper_key("session-of-lauren")

    first = experiment.assign(shopper, variants)
    assert all(experiment.assign(shopper, variants) == first for _ in range(20))


def test_a_variant_with_no_weight_gets_nobody_and_no_weights_mean_no_variant() -> None:
    assert {pick([("a", 0), ("b", 3)], point / 100) for point in range(100)} == {"b"}
    assert pick([("a", 0)], 0.5) is None
    assert pick([("a", 1), ("b", 1)], 0.0) == "a" and pick([("a", 1), ("b", 1)], 0.999) == "b"


@pytest.mark.django_db
def test_only_one_experiment_runs_per_widget() -> None:
    make("first")
    with pytest.raises(IntegrityError):
        make("second")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_tag_names_the_shoppers_variant_and_where_to_send_events(settings: Settings) -> None:
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    experiment = await Experiment.objects.acreate(slug="carousel-layout", widget="product-carousel")
    await Variant.objects.acreate(experiment=experiment, name="row", weight=1)
    await Variant.objects.acreate(experiment=experiment, name="grid", weight=1)

    tag = await tag_widget("product-carousel", "session-of-lauren")

    assert tag.variant is not None and tag.variant.experiment == "carousel-layout"
    assert tag.variant.name in {"row", "grid"}
    assert tag.meta() == {
        "analytics": {
            "endpoint": "https://shop.example.com/api/analytics/events",
            "widget": "product-carousel",
            "shopper": shopper_key("session-of-lauren"),
            "experiment": "carousel-layout",
            "variant": tag.variant.name,
        }
    }
    again = await tag_widget("product-carousel", "session-of-lauren")
    assert again.variant == tag.variant
    assert (await tag_widget("checkout", "session-of-lauren")).variant is None


def test_chi_square_critical_values_are_the_tabled_ones() -> None:
    # Survival function of chi-square: 1 dof exp via erfc, 2 dof exp(-x/2).
    assert math.erfc(math.sqrt(10.83 / 2)) == pytest.approx(0.001, rel=0.01)
    assert math.exp(-13.82 / 2) == pytest.approx(0.001, rel=0.01)
