"""/catalog/images/<id>.svg draws local catalog products, cacheably."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CHARGE_6 = "38098260"


def test_it_serves_a_product_drawing_with_cache_headers(client: Client) -> None:
    response = client.get(f"/catalog/images/{CHARGE_6}.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response["ETag"]
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert b'aria-label="Fitbit Charge 6 Fitness Tracker - Obsidian/Black"' in response.content


def test_each_view_is_a_different_drawing(client: Client) -> None:
    drawings = {client.get(f"/catalog/images/{CHARGE_6}.svg?view={view}").content for view in (1, 2, 3)}

    assert len(drawings) == 3


def test_it_answers_not_modified_for_a_known_etag(client: Client) -> None:
    etag = client.get(f"/catalog/images/{CHARGE_6}.svg")["ETag"]

    response = client.get(f"/catalog/images/{CHARGE_6}.svg", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304 and response.content == b""


@pytest.mark.parametrize("path", ["/catalog/images/00000000.svg", f"/catalog/images/{CHARGE_6}.svg?view=9"])
def test_it_is_not_found_for_unknown_products_and_views(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404
