"""The funnel page in the admin: hand-counted journeys in, their numbers, charts and verdict out."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from analytics.models import Event, Experiment, Variant
from analytics.simulation import carousel_impression, save, step_event

pytestmark = pytest.mark.django_db
URL = "/admin/analytics/funnelreport/"
STEPS = ["search", "viewed", "added", "checkout", "ordered"]


def seed(today: datetime) -> None:
    """10 shoppers on "row": 8 view, 4 add, 3 see checkout, 2 order. 3 on "grid", all order."""
    experiment = Experiment.objects.create(slug="carousel-layout", widget="product-carousel")
    Variant.objects.create(experiment=experiment, name="row", weight=1)
    Variant.objects.create(experiment=experiment, name="grid", weight=1)
    row_reached, grid_reached = [5, 5, 4, 3, 2, 2, 2, 2, 1, 1], [5, 5, 5]
    events: list[Event] = []
    for n, steps in enumerate([*row_reached, *grid_reached]):
        shopper, variant = f"{n:032x}", "row" if n < 10 else "grid"
        start = today - timedelta(hours=1)
        events.append(carousel_impression(shopper, start, "carousel-layout", variant))
        events += [step_event(step, shopper, start + timedelta(minutes=i)) for i, step in enumerate(STEPS[:steps])]
    save(events)


def test_the_funnel_page_shows_counts_drop_off_charts_and_the_verdict(admin_client: Client) -> None:
    seed(timezone.now())

    page = admin_client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>13</strong> shoppers searched, <strong>5</strong> placed an order" in html
    assert "Most shoppers leave before “Added to cart”: 4 of them." in html
    assert html.count('<svg class="chart') >= 4
    assert 'id="verdict">Not enough data yet' in html


def test_the_date_range_filters_journeys(admin_client: Client) -> None:
    seed(datetime(2026, 1, 10, 12, tzinfo=UTC))

    inside = admin_client.get(URL, {"start": "2026-01-10", "end": "2026-01-10"}).content.decode()
    outside = admin_client.get(URL, {"start": "2026-01-11", "end": "2026-01-12"}).content.decode()

    assert "<strong>13</strong> shoppers searched" in inside
    assert "<strong>0</strong> shoppers searched" in outside


def test_a_backwards_range_is_refused_with_a_message(admin_client: Client) -> None:
    page = admin_client.get(URL, {"start": "2026-01-12", "end": "2026-01-10"})

    assert "The start date must be on or before the end date." in page.content.decode()


def test_the_csv_export_has_every_group_and_step(admin_client: Client) -> None:
    seed(datetime(2026, 1, 10, 12, tzinfo=UTC))

    answer = admin_client.get(URL, {"start": "2026-01-10", "end": "2026-01-10", "format": "csv"})

    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="funnel-2026-01-10-2026-01-10.csv"' in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    overall = {row["step"]: row for row in rows if row["funnel"] == "shopping" and row["group"] == "all"}
    assert [overall[step]["shoppers"] for step in STEPS] == ["13", "11", "7", "6", "5"]
    assert overall["viewed"]["step_conversion"] == f"{11 / 13:.4f}"
    row = {r["step"]: r["shoppers"] for r in rows if r["group"] == "variant=row"}
    assert [row[step] for step in STEPS] == ["10", "8", "4", "3", "2"]
    assert {r["group"] for r in rows} >= {"all", "day=2026-01-10", "channel=widget", "variant=grid"}
    assert {row["median_seconds"] for row in overall.values() if row["step"] != "search"} == {"60.0"}


def test_experiments_need_two_variants_in_the_admin(admin_client: Client) -> None:
    form = {
        "slug": "cta",
        "widget": "checkout",
        "active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-name": "buy",
        "variants-0-weight": "1",
    }
    answer = admin_client.post("/admin/analytics/experiment/add/", form)

    assert answer.status_code == 200 and not Experiment.objects.exists()
    form |= {"variants-TOTAL_FORMS": "2", "variants-1-name": "pay", "variants-1-weight": "3"}
    assert admin_client.post("/admin/analytics/experiment/add/", form).status_code == 302
    assert list(Experiment.objects.get().variants.values_list("name", "weight")) == [("buy", 1), ("pay", 3)]


def test_every_analytics_admin_page_renders(admin_client: Client) -> None:
    seed(timezone.now())
    for url in [
        "/admin/analytics/",
        "/admin/analytics/impression/",
        "/admin/analytics/interaction/?action=product_opened",
        "/admin/analytics/toolcall/",
        "/admin/analytics/experiment/",
        f"/admin/analytics/experiment/{Experiment.objects.get().pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url
