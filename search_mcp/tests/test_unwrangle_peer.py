"""The Unwrangle peer answers in Unwrangle's format and acts out each scripted outcome."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from search_mcp.tests.unwrangle_peer import (
    CREDITS_PER_CALL,
    GETTER_PATH,
    Outcome,
    UnwranglePeer,
    running_peer,
)

API_KEY = "peer-test-key"
ENVELOPE_KEYS = {
    "success", "platform", "search", "page", "total_results", "no_of_pages", "result_count",
    "results", "meta_data", "credits_used", "remaining_credits",
}  # fmt: skip
PRODUCT_KEYS = {
    "id", "url", "thumbnail", "name", "brand", "price", "currency", "dpci", "department_id",
    "rating", "total_ratings", "images", "features", "videos",
}  # fmt: skip


@pytest.fixture(scope="module")
def shared_peer() -> Iterator[UnwranglePeer]:
    with running_peer() as peer:
        yield peer


@pytest.fixture
def peer(shared_peer: UnwranglePeer) -> UnwranglePeer:
    shared_peer.reset()
    return shared_peer


def search(peer: UnwranglePeer, query: str, timeout: float = 30.0, **params: str) -> httpx.Response:
    query_params = {
        "platform": "target_search",
        "search": query,
        "page": "1",
        "store_no": "3991",
        "api_key": API_KEY,
        **params,
    }
    return httpx.get(
        peer.base_url + GETTER_PATH,
        params=query_params,
        headers={"Accept": "application/json"},
        timeout=timeout,
    )


def search_ignoring_errors(peer: UnwranglePeer, query: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        search(peer, query, timeout=120)


def test_it_answers_a_search_with_the_unwrangle_envelope(peer: UnwranglePeer) -> None:
    body = search(peer, "Fitbit Charge").json()

    assert set(body) == ENVELOPE_KEYS
    assert body["success"] is True
    assert body["platform"] == "target_search"
    assert body["search"] == "Fitbit Charge"
    assert body["page"] == 1
    assert body["result_count"] == len(body["results"]) > 0
    assert body["credits_used"] == CREDITS_PER_CALL
    assert any("Fitbit Charge 6" in result["name"] for result in body["results"])


def test_its_products_look_like_unwrangle_products(peer: UnwranglePeer) -> None:
    result = search(peer, "charge 6").json()["results"][0]

    assert set(result) == PRODUCT_KEYS
    assert isinstance(result["id"], str) and len(result["id"]) == 8
    assert isinstance(result["price"], float)
    assert isinstance(result["total_ratings"], int)
    assert result["url"].endswith(f"/-/A-{result['id']}")
    assert result["thumbnail"] == result["images"][0]
    assert result["thumbnail"].startswith("https://target.scene7.com/")


def test_it_pages_through_matches(peer: UnwranglePeer) -> None:
    first = search(peer, "black").json()
    second = search(peer, "black", page="2").json()
    beyond = search(peer, "black", page=str(first["no_of_pages"] + 1)).json()

    assert first["no_of_pages"] >= 2
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert beyond["success"] is True and beyond["results"] == []


def test_it_finds_nothing_for_unknown_terms(peer: UnwranglePeer) -> None:
    body = search(peer, "flux capacitor").json()

    assert (body["total_results"], body["results"]) == (0, [])


def test_it_records_every_request_and_counts_them_per_search(peer: UnwranglePeer) -> None:
    search(peer, "fitbit")
    search(peer, "fitbit")
    search(peer, "air fryer")

    assert peer.request_count == 3
    assert peer.count_for("fitbit") == 2
    assert peer.count_for("air fryer") == 1
    assert peer.requests[0].params["store_no"] == "3991"
    assert peer.requests[0].params["api_key"] == API_KEY
    assert peer.requests[0].headers["accept"] == "application/json"


def test_it_spends_credits_on_successful_searches(peer: UnwranglePeer) -> None:
    first = search(peer, "lego").json()
    second = search(peer, "lego").json()

    assert first["remaining_credits"] - second["remaining_credits"] == CREDITS_PER_CALL


def test_it_rejects_a_missing_or_wrong_key_with_403(peer: UnwranglePeer) -> None:
    peer.api_key = API_KEY

    missing = search(peer, "fitbit", api_key="")
    wrong = search(peer, "fitbit", api_key="someone-elses-key")

    assert missing.status_code == wrong.status_code == 403
    assert wrong.json()["success"] is False
    assert "message" in wrong.json()


def test_it_answers_403_once_credits_run_out(peer: UnwranglePeer) -> None:
    peer.remaining_credits = CREDITS_PER_CALL

    assert search(peer, "fitbit").status_code == 200
    assert search(peer, "fitbit").status_code == 403


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.UNAUTHORIZED, 401),
        (Outcome.INVALID_KEY, 403),
        (Outcome.RATE_LIMITED, 429),
        (Outcome.SERVER_ERROR, 500),
    ],
)
def test_it_plays_scripted_errors_then_recovers(peer: UnwranglePeer, outcome: Outcome, status: int) -> None:
    peer.script(outcome)

    failed = search(peer, "fitbit")
    recovered = search(peer, "fitbit")

    assert failed.status_code == status
    assert recovered.status_code == 200


def test_its_error_bodies_have_the_shapes_clients_see(peer: UnwranglePeer) -> None:
    peer.retry_after = 7
    peer.script(Outcome.INVALID_KEY, Outcome.RATE_LIMITED, Outcome.SERVER_ERROR)

    forbidden = search(peer, "fitbit")
    limited = search(peer, "fitbit")
    broken = search(peer, "fitbit")

    assert forbidden.json() == {"success": False, "message": forbidden.json()["message"]}
    assert limited.headers["Retry-After"] == "7"
    assert limited.json()["success"] is False
    assert broken.headers["Content-Type"] == "text/html"


def test_it_keeps_failing_in_a_mode_until_reset(peer: UnwranglePeer) -> None:
    peer.mode = Outcome.SERVER_ERROR

    assert [search(peer, "fitbit").status_code for _ in range(3)] == [500, 500, 500]
    peer.reset()
    assert search(peer, "fitbit").status_code == 200


def test_it_sends_a_truncated_body_when_malformed(peer: UnwranglePeer) -> None:
    peer.script(Outcome.MALFORMED)

    response = search(peer, "fitbit")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()


def test_it_reports_an_unsuccessful_search_with_http_200(peer: UnwranglePeer) -> None:
    peer.script(Outcome.UNSUCCESSFUL)

    response = search(peer, "fitbit")

    assert response.status_code == 200
    assert response.json()["success"] is False
    assert response.json()["message"]


def test_it_holds_a_timed_out_request_past_the_client_timeout(peer: UnwranglePeer) -> None:
    peer.timeout_seconds = 1.0
    peer.script(Outcome.TIMEOUT)

    with pytest.raises(httpx.ReadTimeout):
        search(peer, "fitbit", timeout=0.2)
    assert search(peer, "fitbit").status_code == 200


def test_it_delays_answers_by_its_latency(peer: UnwranglePeer) -> None:
    peer.latency = 0.3

    started = time.monotonic()
    search(peer, "fitbit")

    assert time.monotonic() - started >= 0.3


def test_it_lets_tests_wait_for_concurrent_requests(peer: UnwranglePeer) -> None:
    peer.latency = 0.2
    threads = [threading.Thread(target=search, args=(peer, "fitbit")) for _ in range(5)]
    for thread in threads:
        thread.start()

    assert peer.wait_for_requests(5, timeout=30)
    for thread in threads:
        thread.join(timeout=5)
    assert peer.count_for("fitbit") == 5


def test_it_stops_promptly_while_holding_a_request() -> None:
    with running_peer(catalog=[]) as peer:
        # Held far past the test's own timeout: stopping that waited for it would fail the test.
        peer.timeout_seconds = 3600
        peer.script(Outcome.TIMEOUT)
        client = threading.Thread(target=search_ignoring_errors, args=(peer, "fitbit"))
        client.start()
        assert peer.wait_for_requests(1, timeout=30)
    client.join(timeout=60)  # the client waits up to 120 s: only a released request ends it sooner
    assert not client.is_alive(), "stopping let go of the request it held"
