"""Open sign-in (DEMO_OPEN_SIGNIN): an unknown email becomes a shopper on first sign-in, once,
however many first sign-ins for it arrive at the same time."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.liveserver import LiveServer, live_server
from tests.services import RUN

CONCURRENT = 12
# Bounds a hang on a loaded machine (every sign-in hashes a password); not a timing.
ANSWER_SECONDS = 120


@pytest.fixture(scope="module")
def open_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(Path(tmp_path_factory.mktemp("open")), DEMO_OPEN_SIGNIN="1") as live:
        yield live


def test_concurrent_first_sign_ins_for_one_email_all_get_a_code_and_make_one_shopper(open_live: LiveServer) -> None:
    email = f"newcomer+{RUN}@example.com"
    handles = open_live.run_django(
        "from auth_mcp.models import ShopperSession\n"
        f"result = [ShopperSession.objects.start().handle for _ in range({CONCURRENT})]"
    )

    def authenticate(handle: str) -> httpx.Response:
        body = {"sessionId": handle, "email": email, "password": "a-new-password-123"}
        return httpx.post(f"{open_live.url}/api/session/authenticate", json=body, timeout=ANSWER_SECONDS)

    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(pool.map(authenticate, handles))
    assert [answer.status_code for answer in answers] == [200] * CONCURRENT, [a.text[:200] for a in answers]
    shoppers = open_live.run_django(
        f"from auth_mcp.models import Shopper\nresult = Shopper.objects.filter(email__iexact={email!r}).count()"
    )
    assert shoppers == 1
