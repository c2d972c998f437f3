"""The product feed: exported as metadata.json + products.jsonl, and served by the read API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from acp.tests.conftest import Agent
from search_mcp.models import Product

pytestmark = pytest.mark.django_db


def test_export_writes_metadata_and_one_product_per_line(tmp_path: Path) -> None:
    call_command("export_acp_feed", str(tmp_path / "feed"))
    metadata = json.loads((tmp_path / "feed" / "metadata.json").read_text())
    assert metadata == {"id": "feed_targetdemo", "target_country": "US"}
    lines = (tmp_path / "feed" / "products.jsonl").read_text().splitlines()
    assert len(lines) == Product.objects.count()
    fitbit = next(json.loads(line) for line in lines if json.loads(line)["id"] == "38098260")
    [variant] = fitbit["variants"]
    assert variant["id"] == "38098260" and variant["price"] == {"amount": 15995, "currency": "USD"}
    assert variant["availability"]["available"] is True and variant["media"][0]["url"].startswith("http")


def test_a_feed_variant_id_is_what_checkout_takes(agent: Agent, tmp_path: Path) -> None:
    call_command("export_acp_feed", str(tmp_path))
    first = json.loads((tmp_path / "products.jsonl").read_text().splitlines()[0])
    session = agent.create({"currency": "usd", "line_items": [{"id": first["variants"][0]["id"]}]})
    assert session["line_items"][0]["unit_amount"] == first["variants"][0]["price"]["amount"]


def test_the_read_api_serves_what_the_export_writes(agent: Agent, tmp_path: Path) -> None:
    call_command("export_acp_feed", str(tmp_path))
    assert agent.get("/acp/feeds/feed_targetdemo").json() == json.loads((tmp_path / "metadata.json").read_text())
    served = agent.get("/acp/feeds/feed_targetdemo/products").json()["products"]
    assert served == [json.loads(line) for line in (tmp_path / "products.jsonl").read_text().splitlines()]


def test_an_unknown_feed_is_404(agent: Agent) -> None:
    answer = agent.get("/acp/feeds/feed_other/products")
    assert answer.status_code == 404 and answer.json()["code"] == "feed_not_found"


def test_the_feed_needs_a_key(agent: Agent) -> None:
    assert agent.client.get("/acp/feeds/feed_targetdemo", headers={"API-Version": "2026-04-17"}).status_code == 401
