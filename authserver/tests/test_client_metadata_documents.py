"""The limits on fetching a client ID metadata document, checked before any connection is made."""

from __future__ import annotations

from typing import Any

import pytest
from oauth2_provider.cimd import CIMDError

from authserver.cimd import _max_age, fetch_document


@pytest.mark.parametrize(
    "client_id",
    ["http://connector.example/client.json", "https://connector.example/", "https://user@connector.example/c.json"],
    ids=["plain-http", "no-path", "userinfo"],
)
async def test_only_an_https_url_with_a_path_can_be_a_client_id(client_id: str) -> None:
    with pytest.raises(CIMDError):
        await fetch_document(client_id)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.8", "169.254.169.254", "[::1]"])
async def test_outside_debug_no_private_or_loopback_address_is_fetched(host: str, settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CIMDError, match="non-public address"):
        await fetch_document(f"https://{host}/connector/client.json")


@pytest.mark.parametrize(
    ("cache_control", "seconds"),
    [("max-age=600", 600), ("max-age=5", 300), ("no-store", 300), ("", 86400), ("max-age=999999", 86400)],
)
def test_a_document_is_cached_for_its_max_age_within_bounds(cache_control: str, seconds: int) -> None:
    assert _max_age(cache_control) == seconds
