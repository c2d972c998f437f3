"""A loopback HTTP server that answers like Unwrangle's Target search API.

It is a test peer, not a mock: the app's real httpx client talks to it over a socket, exactly as
it would talk to https://data.unwrangle.com. Responses follow the format captured from the real
service (envelope, product objects, 2.5 credits a call). Error bodies for 401/403 follow the shape clients
read (`{"success": false, "message": ...}`); Unwrangle does not document them.

    with running_peer() as peer:
        peer.script(Outcome.RATE_LIMITED, Outcome.SUCCESS)   # the next two answers, in order
        peer.mode = Outcome.SERVER_ERROR                      # every answer after the script
        ...
        assert peer.count_for("fitbit") == 1
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CATALOG_PATH = Path(__file__).resolve().parent.parent / "catalog" / "products.json"
GETTER_PATH = "/api/getter/"
PLATFORM = "target_search"
PAGE_SIZE = 24
CREDITS_PER_CALL = 2.5
STARTING_CREDITS = 1000.0
TIMEOUT_SECONDS = 3.0
RETRY_AFTER_SECONDS = 1
IMAGE_CDN = "https://target.scene7.com/is/image/Target/"
MALFORMED_BODY = b'{"success": true, "platform": "target_search", "results": [{"id": "'
SERVER_ERROR_BODY = b"<html><body><h1>500 Internal Server Error</h1></body></html>"

# Unwrangle reports Target's numeric department ids; these stand in for them.
DEPARTMENT_IDS = {
    "Fitness Trackers & Smartwatches": 5,
    "Cell Phone Accessories": 6,
    "Running Shoes & Activewear": 12,
    "Headphones & Audio": 8,
    "Home Decor": 20,
    "Kitchen & Dining": 22,
    "Toys & Games": 30,
    "Bedding & Bath": 24,
    "Patio & Outdoor": 28,
    "Beauty": 40,
    "Pet Supplies": 44,
    "Office & School Supplies": 48,
    "Baby": 52,
    "Sports & Fitness Equipment": 13,
    "Grocery": 70,
    "Kids' Clothing": 14,
}


class Outcome(StrEnum):
    SUCCESS = "success"
    UNAUTHORIZED = "unauthorized"  # 401
    INVALID_KEY = "invalid_key"  # 403, what Unwrangle sends for a bad key or no credits
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 500 with an HTML body, as a proxy in front would send
    TIMEOUT = "timeout"  # holds the request for `timeout_seconds`, then drops it
    MALFORMED = "malformed"  # 200, JSON content type, truncated body
    UNSUCCESSFUL = "unsuccessful"  # 200 with {"success": false, "message": ...}


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def search(self) -> str | None:
        return self.params.get("search")


def to_unwrangle_result(product: Mapping[str, Any]) -> dict[str, Any]:
    """One local catalog product in the shape Unwrangle returns it (price is a number)."""
    tcin = str(product["id"])
    image_ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"{tcin}/{index}") for index in range(3)]
    images = [f"{IMAGE_CDN}GUEST_{image_id}" for image_id in image_ids]
    return {
        "id": tcin,
        "url": product["url"],
        "thumbnail": images[0],
        "name": product["title"],
        "brand": product["brand"],
        "price": float(product["price"]),
        "currency": product.get("currency", "USD"),
        "dpci": None,
        "department_id": DEPARTMENT_IDS.get(str(product.get("department")), 0),
        "rating": float(product["rating"]),
        "total_ratings": int(product["review_count"]),
        "images": images,
        "features": list(product.get("features", [])),
        "videos": [],
    }


def load_catalog(path: Path = CATALOG_PATH) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return products


def _haystack(product: Mapping[str, Any]) -> str:
    words = [product.get("title", ""), product.get("brand", ""), product.get("department", "")]
    words += product.get("tags", []) + product.get("interests", [])
    return " ".join(str(word) for word in words).lower()


class UnwranglePeer:
    """Scriptable state behind the server. Every public method is safe to call from tests."""

    def __init__(self, catalog: Sequence[Mapping[str, Any]]) -> None:
        self._index = [(_haystack(product), to_unwrangle_result(product)) for product in catalog]
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self.base_url = ""
        self.reset()

    def reset(self) -> None:
        """Back to a fresh peer: succeed, no latency, no history, full credits."""
        with self._lock:
            self.mode = Outcome.SUCCESS
            self.latency = 0.0
            self.timeout_seconds = TIMEOUT_SECONDS
            self.retry_after = RETRY_AFTER_SECONDS
            self.api_key: str | None = None
            self.remaining_credits = STARTING_CREDITS
            self._script: deque[Outcome] = deque()
            self._requests: list[RecordedRequest] = []
            self._searches: Counter[str] = Counter()

    def script(self, *outcomes: Outcome) -> None:
        """Answer the next requests with these outcomes, in order, then fall back to `mode`."""
        with self._lock:
            self._script.extend(outcomes)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    def count_for(self, search: str) -> int:
        """Requests whose `search` parameter was exactly this text."""
        with self._lock:
            return self._searches[search]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` requests have arrived; False if `timeout` ran out."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._requests) >= count, timeout)

    def _record(self, request: RecordedRequest) -> Outcome:
        with self._lock:
            self._requests.append(request)
            self._searches[request.search or ""] += 1
            self._lock.notify_all()
            return self._script.popleft() if self._script else self.mode

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _search(self, query: str, page: int) -> dict[str, Any]:
        terms = query.lower().split()
        matches = [result for text, result in self._index if all(term in text for term in terms)]
        pages = -(-len(matches) // PAGE_SIZE)
        results = matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        with self._lock:
            self.remaining_credits -= CREDITS_PER_CALL
            remaining = self.remaining_credits
        return {
            "success": True,
            "platform": PLATFORM,
            "search": query,
            "page": page,
            "total_results": len(matches),
            "no_of_pages": pages,
            "result_count": len(results),
            "results": results,
            "meta_data": {"search_suggestions": []},
            "credits_used": CREDITS_PER_CALL,
            "remaining_credits": remaining,
        }

    def _key_rejected(self, key: str | None) -> bool:
        with self._lock:
            if not key or (self.api_key is not None and key != self.api_key):
                return True
            return self.remaining_credits < CREDITS_PER_CALL


def _failure(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


class _Handler(BaseHTTPRequestHandler):
    server: _PeerServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        peer = self.server.peer
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        headers = {key.lower(): value for key, value in self.headers.items()}
        outcome = peer._record(RecordedRequest(url.path, params, headers))
        peer._pause(peer.latency)
        if url.path != GETTER_PATH:
            return self._json(HTTPStatus.NOT_FOUND, _failure("Not found"))
        if outcome is Outcome.TIMEOUT:
            peer._pause(peer.timeout_seconds)
            self.close_connection = True
            return None
        if outcome is Outcome.UNAUTHORIZED:
            return self._json(HTTPStatus.UNAUTHORIZED, _failure("Invalid API key"))
        if outcome is Outcome.INVALID_KEY or peer._key_rejected(params.get("api_key")):
            return self._json(HTTPStatus.FORBIDDEN, _failure("Invalid API key or insufficient credits"))
        if outcome is Outcome.RATE_LIMITED:
            return self._json(
                HTTPStatus.TOO_MANY_REQUESTS,
                _failure("Too many requests, please slow down"),
                {"Retry-After": str(peer.retry_after)},
            )
        if outcome is Outcome.SERVER_ERROR:
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, SERVER_ERROR_BODY, "text/html")
        if outcome is Outcome.MALFORMED:
            return self._send(HTTPStatus.OK, MALFORMED_BODY, "application/json")
        if outcome is Outcome.UNSUCCESSFUL:
            body = _failure("Unable to fetch search results, please try again")
            return self._json(HTTPStatus.OK, {**body, "platform": PLATFORM})
        return self._search_response(params)

    def _search_response(self, params: Mapping[str, str]) -> None:
        if params.get("platform") != PLATFORM:
            return self._json(HTTPStatus.BAD_REQUEST, _failure("Invalid platform"))
        query = params.get("search", "").strip()
        if not query:
            return self._json(HTTPStatus.BAD_REQUEST, _failure("search is required"))
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            page = 0
        if page < 1:
            return self._json(HTTPStatus.BAD_REQUEST, _failure("page must be a positive integer"))
        return self._json(HTTPStatus.OK, self.server.peer._search(query, page))

    def _json(
        self,
        status: HTTPStatus,
        body: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _PeerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, peer: UnwranglePeer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.peer = peer


@contextmanager
def running_peer(catalog: Sequence[Mapping[str, Any]] | None = None) -> Iterator[UnwranglePeer]:
    """Serve a peer on a free loopback port for the duration of the block."""
    peer = UnwranglePeer(load_catalog() if catalog is None else catalog)
    server = _PeerServer(peer)
    peer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="unwrangle-peer", daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        peer._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
