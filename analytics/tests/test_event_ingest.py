"""POST /api/analytics/events: widgets' batches, bounded in every dimension, stored in order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from analytics.models import Impression, Interaction
from analytics.serializers import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from analytics.shoppers import shopper_key

pytestmark = pytest.mark.django_db
URL = "/api/analytics/events"
SHOPPER = shopper_key("session-of-lauren")


def send(body: Any) -> Any:
    return Client().post(URL, json.dumps(body), content_type="application/json")


def opened(product: str, age_ms: int) -> dict[str, Any]:
    return {
        "type": "interaction",
        "widget": "product-carousel",
        "action": "product_opened",
        "target": product,
        "ageMs": age_ms,
    }


def test_a_batch_is_stored_in_the_order_it_happened() -> None:
    impression = {"type": "impression", "widget": "product-carousel", "renderMs": 180, "ageMs": 900}
    impression |= {"experiment": "carousel-layout", "variant": "grid"}
    answer = send({"shopper": SHOPPER, "events": [impression, opened("38098260", 400), opened("12345678", 100)]})

    assert answer.status_code == 202 and answer.json() == {"accepted": 3}
    shown = Impression.objects.get()
    assert (shown.shopper, shown.widget, shown.render_ms, shown.variant) == (SHOPPER, "product-carousel", 180, "grid")
    clicks = list(Interaction.objects.order_by("occurred_at"))
    assert [click.target for click in clicks] == ["38098260", "12345678"]
    assert shown.occurred_at < clicks[0].occurred_at < clicks[1].occurred_at


def test_it_refuses_a_batch_over_the_limit() -> None:
    answer = send({"shopper": SHOPPER, "events": [opened("38098260", 0)] * (MAX_EVENTS_PER_BATCH + 1)})

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "events"
    assert not Interaction.objects.exists()


def test_it_refuses_a_body_over_the_size_limit_before_parsing_it() -> None:
    answer = Client().post(URL, b"[" + b" " * MAX_BODY_BYTES + b"]", content_type="application/json")

    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (opened("lauren@example.com", 0), "target"),
        (opened("x" * 65, 0), "target"),
        ({"type": "impression", "widget": "checkout", "ageMs": 0}, "renderMs"),
        ({"type": "interaction", "widget": "checkout", "ageMs": 0}, "action"),
        ({"type": "interaction", "widget": "checkout", "action": "hacked", "ageMs": 0}, "action"),
        ({"type": "impression", "widget": "Checkout <b>", "renderMs": 1, "ageMs": 0}, "widget"),
        ({"type": "impression", "widget": "checkout", "renderMs": 1, "ageMs": 3_600_000}, "ageMs"),
    ],
    ids=["an-email-as-target", "a-long-target", "no-render-time", "no-action", "unknown-action", "odd-widget", "old"],
)
def test_it_refuses_an_event_that_could_carry_personal_or_unbounded_data(event: dict[str, Any], field: str) -> None:
    answer = send({"shopper": SHOPPER, "events": [event]})

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_it_refuses_a_shopper_that_is_not_a_pseudonym() -> None:
    answer = send({"shopper": "lauren@example.com", "events": [opened("38098260", 0)]})

    assert answer.status_code == 400 and answer.json()["error"]["field"] == "shopper"


def test_events_of_an_unknown_shopper_are_kept_without_one() -> None:
    assert send({"events": [opened("38098260", 0)]}).status_code == 202
    assert Interaction.objects.get().shopper == ""
