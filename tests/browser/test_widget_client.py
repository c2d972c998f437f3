"""The runtime's client for the app's API (Widget.post) and its shared markup, in Chromium.

The page is served from a scripted origin, so each test decides what every request meets: no answer
at all, a 5xx, a 429 with Retry-After, a 4xx with an API error body, or success.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mcp_engine.widgets import runtime_block

pytestmark = pytest.mark.browser

ORIGIN = "https://widget.test"
API = f"{ORIGIN}/api/thing"
NO_ANSWER = "no answer"
POST = "([url, body, options]) => Widget.post(url, body, options)"


def answer(status: int, body: Any = None, retry_after: str | None = None) -> dict[str, Any]:
    return {"status": status, "body": body, "retry_after": retry_after}


def api_error(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


class ScriptedApi:
    """Answers the requests to API with the scripted answers, in turn, and records each request."""

    def __init__(self) -> None:
        self.answers: list[Any] = []
        self.requests: list[dict[str, Any]] = []

    def script(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests = []

    def keys(self) -> list[str | None]:
        return [request["key"] for request in self.requests]

    def handle(self, route: Any) -> None:
        request = route.request
        self.requests.append({"key": request.headers.get("idempotency-key"), "body": json.loads(request.post_data)})
        scripted = self.answers.pop(0) if self.answers else answer(599, api_error("unscripted", "Nothing scripted."))
        if scripted == NO_ANSWER:
            route.abort("internetdisconnected")
            return
        headers = {"Retry-After": scripted["retry_after"]} if scripted["retry_after"] is not None else {}
        body = "<html>Bad gateway</html>" if scripted["body"] is None else json.dumps(scripted["body"])
        route.fulfill(status=scripted["status"], headers=headers, content_type="application/json", body=body)


@pytest.fixture
def api(browser: Any) -> Iterator[tuple[Any, ScriptedApi]]:
    context = browser.new_context()
    page = context.new_page()
    scripted = ScriptedApi()
    page_html = f"<!doctype html><html><head>{runtime_block()}</head><body><main></main></body></html>"
    page.route(f"{ORIGIN}/", lambda route: route.fulfill(status=200, content_type="text/html", body=page_html))
    page.route(f"{API}*", scripted.handle)
    page.goto(f"{ORIGIN}/")
    try:
        yield page, scripted
    finally:
        context.close()


def post(page: Any, body: dict[str, Any], idempotent: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(POST, [API, body, {"idempotent": idempotent}])
    return result


def test_an_idempotent_post_retries_lost_answers_and_5xx_with_the_same_key(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(NO_ANSWER, answer(503, retry_after="0"), answer(200, {"orderNumber": "TGT-1"}))

    result = post(page, {"sessionId": "s1"})

    assert result == {"ok": True, "status": 200, "data": {"orderNumber": "TGT-1"}}
    keys = scripted.keys()
    assert len(keys) == 3 and keys[0] and len(set(keys)) == 1, keys
    assert [request["body"] for request in scripted.requests] == [{"sessionId": "s1"}] * 3


def test_it_never_retries_a_4xx_and_shows_the_apis_message(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    declined = api_error("card_declined", "Your card was declined. Nothing was charged.")
    scripted.script(answer(402, declined), answer(200, {}))

    result = post(page, {"sessionId": "s1"})

    assert result == {"ok": False, "status": 402, "error": declined["error"]}
    assert len(scripted.requests) == 1


def test_an_api_error_names_its_field(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(answer(400, api_error("invalid", "Enter your email address.", "email")))

    result = post(page, {"email": ""}, idempotent=False)

    assert result["error"] == {"code": "invalid", "message": "Enter your email address.", "field": "email"}


def test_retries_are_bounded_and_end_with_text_for_the_shopper(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(*[answer(503, retry_after="0")] * 3, answer(200, {}))

    result = post(page, {"sessionId": "s1"})

    assert len(scripted.requests) == 3
    assert result["ok"] is False and result["status"] == 503
    assert result["error"]["code"] == "http_503" and "try again" in result["error"]["message"]
    assert "<html>" not in result["error"]["message"]


def test_a_retry_after_longer_than_it_waits_is_left_to_the_shopper(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    throttled = api_error("rate_limited", "Too many requests for this session. Try again in 60 seconds.")
    scripted.script(answer(429, throttled, retry_after="60"), answer(200, {}))

    result = post(page, {"sessionId": "s1"})

    assert len(scripted.requests) == 1
    assert result == {"ok": False, "status": 429, "error": throttled["error"]}


def test_a_429_is_retried_when_it_asks_for_a_short_pause(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(answer(429, api_error("rate_limited", "Slow down."), retry_after="0"), answer(200, {"ok": 1}))

    result = post(page, {"sessionId": "s1"})

    assert result["ok"] is True and len(set(scripted.keys())) == 1 and len(scripted.requests) == 2


def test_trying_again_after_no_answer_reuses_the_key_and_a_new_request_gets_a_new_one(
    api: tuple[Any, ScriptedApi],
) -> None:
    page, scripted = api
    scripted.script(NO_ANSWER, NO_ANSWER, NO_ANSWER)
    lost = post(page, {"sessionId": "s1", "plan": "monthly"})
    assert lost["ok"] is False and lost["status"] == 0 and lost["error"]["code"] == "unreachable"
    assert "connection" in lost["error"]["message"] and "twice" in lost["error"]["message"]
    (unanswered_key,) = set(scripted.keys())

    scripted.script(answer(200, {"plan": "monthly"}))
    assert post(page, {"sessionId": "s1", "plan": "monthly"})["ok"] is True
    assert scripted.keys() == [unanswered_key]

    # Answered now: the same request again is a new one (a new key), and so is a different body.
    scripted.script(answer(200, {}), answer(200, {}))
    post(page, {"sessionId": "s1", "plan": "monthly"})
    post(page, {"sessionId": "s1", "plan": "annual"})
    keys = scripted.keys()
    assert unanswered_key not in keys and len(set(keys)) == 2


def test_a_definite_failure_lets_the_next_attempt_start_afresh(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(answer(402, api_error("card_declined", "Declined.")), answer(200, {}))

    post(page, {"sessionId": "s1"})
    post(page, {"sessionId": "s1"})

    first, second = scripted.keys()
    assert first and second and first != second


def test_a_post_that_is_not_idempotent_is_sent_once_without_a_key(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(NO_ANSWER, answer(200, {}))

    result = post(page, {"sessionId": "s1", "code": "123456"}, idempotent=False)

    assert scripted.keys() == [None]
    assert result["error"]["code"] == "unreachable" and "twice" not in result["error"]["message"]


def test_an_error_without_an_api_body_still_reads_as_text(api: tuple[Any, ScriptedApi]) -> None:
    page, scripted = api
    scripted.script(answer(404))

    result = post(page, {}, idempotent=False)

    assert result["error"]["code"] == "http_404" and result["error"]["field"] is None
    assert "404" in result["error"]["message"] and "<html>" not in result["error"]["message"]


def test_the_shared_markup_is_labelled_and_keeps_data_as_text(api: tuple[Any, ScriptedApi]) -> None:
    page, _ = api
    built = page.evaluate(
        """hostile => {
          const review = Widget.section('Order summary',
            Widget.summary([['Subtotal', '$10.00'], ['Tax', '$0.80']], ['Total', '$10.80']),
            Widget.address([hostile, 'Minneapolis, MN 55403']),
            Widget.address([], 'No address on file'));
          document.querySelector('main').append(review);
          const heading = document.getElementById(review.getAttribute('aria-labelledby'));
          const addresses = review.querySelectorAll('address');
          return {
            heading: heading.textContent,
            headingInside: review.contains(heading),
            rows: [...review.querySelectorAll('dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]),
            total: [...review.querySelectorAll('.total')].map(node => node.tagName),
            address: addresses[0].innerText,
            empty: addresses[1].textContent,
            injected: review.querySelectorAll('img').length,
          };
        }""",
        "<img src=x onerror=alert(1)>",
    )
    assert built == {
        "heading": "Order summary",
        "headingInside": True,
        "rows": [["Subtotal", "$10.00"], ["Tax", "$0.80"], ["Total", "$10.80"]],
        "total": ["DT", "DD"],
        "address": "<img src=x onerror=alert(1)>\nMinneapolis, MN 55403",
        "empty": "No address on file",
        "injected": 0,
    }
