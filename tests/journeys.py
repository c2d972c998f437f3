"""Steps of a shopper's journey against a live server, the way a host and a widget take them."""

from __future__ import annotations

import subprocess
import sys

import httpx
from mcp import Client

from tests.liveserver import ROOT, LiveServer

LAUREN = ("lauren@example.com", "circle360-demo")


async def start_session(live: LiveServer) -> str:
    async with Client(f"{live.url}/mcp") as client:
        result = await client.call_tool("create-target-session", {})
    assert not result.is_error, result.content
    return str(result.structured_content["sessionId"])


def callback(live: LiveServer, path: str, body: dict[str, object]) -> httpx.Response:
    """What the sign-in widget posts, from its sandboxed frame (Origin: null in the playground)."""
    return httpx.post(f"{live.url}/api/session/{path}", json=body, headers={"Origin": live.url})


def sign_in(live: LiveServer, session_id: str, email: str = LAUREN[0], password: str = LAUREN[1]) -> dict[str, object]:
    sent = callback(live, "authenticate", {"sessionId": session_id, "email": email, "password": password})
    assert sent.status_code == 200, sent.text
    verified = callback(live, "verify", {"sessionId": session_id, "code": sent.json()["demo_code"]})
    assert verified.status_code == 200, verified.text
    return dict(verified.json())


async def signed_in_session(live: LiveServer, email: str = LAUREN[0], password: str = LAUREN[1]) -> str:
    session_id = await start_session(live)
    sign_in(live, session_id, email, password)
    return session_id


def run_in_server_db(live: LiveServer, code: str) -> str:
    """Run Django code against the live server's own database (its SQLite file or DATABASE_URL)."""
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=live.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()
