"""The live-server harness: the real app in processes of its own, driven over real sockets.

Every test that needs a running server uses this module, the way MCP hosts, widgets and browsers
reach the app:
- `live_server()` starts one daphne process on its own migrated SQLite file (a copy of one
  migrated once per run), or on DATABASE_URL's database when that is set;
- `serve_workers()` starts the production supervisor, `manage.py serve_workers`, with several
  uvicorn workers;
- the journey steps (`start_session`, `sign_in`, `signed_in_session`, `call_tool`, `post`) take a
  shopper through the app as a host and its widgets do;
- a tool result is read with `text_of` (the text the model reads) and `structured` (its
  structuredContent);
- a server's log is followed with `wait_for_log`, never read after a sleep; its /metrics are read
  with `metric` and its database with `run_django`.
Personas (who signs in) live in tests.personas.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from mcp import Client
from mcp.types import CallToolResult, TextContent
from prometheus_client.parser import text_string_to_metric_families

from tests.personas import LAUREN, Persona
from tests.services import KEY_PREFIX

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARKER = "RESULT:"
# Generous: these bound a wait for an event on a loaded 2-core machine, they are not timings.
START_SECONDS = 90.0
LOG_SECONDS = 30.0
T = TypeVar("T")


class Logged:
    """A process whose output goes to a file that tests follow."""

    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, wanted: str | re.Pattern[str], timeout: float = LOG_SECONDS) -> str:
        """Follow the log until `wanted` (text or a pattern) appears in it; the log so far."""

        def seen() -> str | None:
            text = self.log()
            return text if _found(wanted, text) else None

        return until(seen, f"{wanted!r} in {self.log_path.name}", timeout, self.log)


def _found(wanted: str | re.Pattern[str], text: str) -> bool:
    return wanted in text if isinstance(wanted, str) else wanted.search(text) is not None


def until(check: Callable[[], T | None], what: str, timeout: float, context: Callable[[], str] = str) -> T:
    """Poll `check` until it returns something truthy, and return that; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:.0f}s\n{context()}")
        time.sleep(0.05)


@dataclass
class LiveServer(Logged):
    url: str
    port: int
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path
    shell: DjangoShell | None = field(default=None, repr=False)

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics as Prometheus reads it (0 when absent), e.g. metric("x_total", reason="timeout")."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for found in family.samples:
                if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                    return float(found.value)
        return 0.0

    def run_django(self, code: str) -> Any:
        """Run `code` with Django set up on this server's own database, as an operator's shell would.

        The code may set `result` (anything JSON can carry); it is returned."""
        if self.shell is None:
            self.shell = DjangoShell(self.env)
        return self.shell.run(code)

    def close(self) -> None:
        if self.shell is not None:
            self.shell.close()
        stop(self.process)


# Runs in the shell process: Django is set up once, then each request is one line of JSON (the
# code) and each reply one marked line. Connections close after every script so that the shell
# never holds a lock or a stale transaction against the server's database between calls.
_SHELL_LOOP = f"""
import json, sys, traceback
import django
django.setup()
from django.db import connections
for line in sys.stdin:
    namespace = {{"json": json, "result": None}}
    try:
        exec(json.loads(line), namespace)
        reply = {{"result": namespace["result"]}}
    except BaseException:
        reply = {{"error": traceback.format_exc()}}
    finally:
        connections.close_all()
    sys.stdout.write({RESULT_MARKER!r} + json.dumps(reply, default=str) + "\\n")
    sys.stdout.flush()
"""


class DjangoShell:
    """One long-lived Python process with Django set up on a server's database.

    Starting Django costs seconds on a loaded machine; tests ask the database many questions, so
    they share one process per server instead of paying for `manage.py shell` each time."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SHELL_LOOP],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, code: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            self.process.stdin.write(json.dumps(code) + "\n")
            self.process.stdin.flush()
            for line in self.process.stdout:
                if line.startswith(RESULT_MARKER):
                    reply = json.loads(line.removeprefix(RESULT_MARKER))
                    break
            else:
                raise AssertionError(f"the Django shell exited with status {self.process.wait()}")
        assert "error" not in reply, reply["error"]
        return reply["result"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        stop(self.process, grace=10.0)


def server_env(tmp_dir: Path, port: int | None = None, /, **overrides: str) -> dict[str, str]:
    # A developer's shell may hold real service keys; the tests that need one pass it explicitly.
    env = {key: value for key, value in os.environ.items() if key not in {"UNWRANGLE_API_KEY", "UNWRANGLE_BASE_URL"}}
    if port is not None:
        # Widgets call back to the app at PUBLIC_BASE_URL, so it must name this very server.
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "targetdemo.settings")
    env.setdefault("DEBUG", "1")
    env.setdefault("MCP_CONFORMANCE_FIXTURES", "1")
    env.setdefault("LOG_LEVEL", "WARNING")
    # Every test shares 127.0.0.1 and signs Lauren in many times a minute; the tests about rate
    # limits and throttles set their own.
    env.setdefault("MCP_RATE_LIMIT_PER_ADDRESS", "0")
    env.setdefault("MCP_MAX_STREAMS_PER_ADDRESS", "0")
    env.setdefault("SIGN_IN_RATE_PER_EMAIL", "1000/min")
    env.setdefault("SIGN_IN_RATE_PER_SESSION", "1000/min")
    env.setdefault("SIGN_IN_RATE_PER_ADDRESS", "100000/min")
    # Redis may be shared with other runs: this run's keys carry its own prefix.
    env.setdefault("CACHE_KEY_PREFIX", KEY_PREFIX)
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(tmp_dir / "live.sqlite3")
    env.update(overrides)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


_migrated_sqlite: list[Path] = []


def migrated_sqlite() -> Path:
    """One SQLite file migrated once per run, that servers start from a copy of."""
    if not _migrated_sqlite:
        directory = Path(tempfile.mkdtemp(prefix="targetdemo-migrated-"))
        env = server_env(directory)
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(directory / "live.sqlite3")
        migrate(env)
        _migrated_sqlite.append(directory / "live.sqlite3")
    return _migrated_sqlite[0]


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the database `env` names: a copy of the run's migrated SQLite file, or DATABASE_URL's."""
    if "SQLITE_PATH" in env and not env.get("DATABASE_URL"):
        shutil.copy(migrated_sqlite(), env["SQLITE_PATH"])
    else:
        migrate(env)


@contextmanager
def live_server(
    tmp_dir: Path, env: Mapping[str, str] | None = None, /, *, migrated: bool = False, **variables: str
) -> Iterator[LiveServer]:
    """A daphne process serving the app, with the environment variables of `env` and `variables` set.

    `migrated=True` when its database is ready already (else it starts from a migrated copy)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    # The test binds the socket and hands it to daphne, so no other process on the machine can
    # take the port between choosing it and listening on it.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = int(listener.getsockname()[1])
    env = server_env(tmp_dir, port, **{**(env or {}), **variables})
    if not migrated:
        prepare_database(env)
    log_path = tmp_dir / f"daphne-{port}.log"
    with open(log_path, "wb") as log, listener:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-v", "0", "--fd", str(listener.fileno()), "targetdemo.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, process=process, env=env, log_path=log_path)
    try:
        wait_until_healthy(server.url, process, server)
        yield server
    finally:
        server.close()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], logged: Logged) -> None:
    """Wait until `url` answers /healthz (failing at once if `process` exits meanwhile)."""

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with status {process.returncode}:\n{logged.log()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    until(healthy, f"answer from {url}/healthz", START_SECONDS, logged.log)


def stop(process: subprocess.Popen[Any], grace: float = 30.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- several workers behind a round-robin balancer ---------------------------------------------------


@dataclass
class Workers(Logged):
    """`manage.py serve_workers`: its workers' URLs in rotation, and the supervisor's log."""

    urls: list[str]
    pids: dict[int, int]  # port -> pid
    supervisor: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path
    live: list[int] = field(default_factory=list)  # indexes in rotation
    turns: Iterator[int] = field(init=False)

    def __post_init__(self) -> None:
        self.live = list(range(len(self.urls)))
        self.turns = itertools.cycle(range(len(self.urls)))

    def next(self) -> str:
        """The next worker in rotation: what a round-robin load balancer picks."""
        while True:
            index = next(self.turns)
            if index in self.live:
                return self.urls[index]

    def kill(self, url: str) -> int:
        """SIGKILL the worker at `url` and take it out of rotation, as the balancer's health check would."""
        pid = self.pids[urlsplit(url).port or 0]
        os.kill(pid, signal.SIGKILL)
        self.live.remove(self.urls.index(url))
        return pid

    def wait_until_healthy(self, url: str) -> None:
        wait_until_healthy(url, self.supervisor, self)


def consecutive_free_ports(count: int) -> int:
    # Below Linux's ephemeral range (32768+), where outgoing connections cannot take them meanwhile.
    for _ in range(50):
        first = random.randrange(20000, 32000 - count)
        sockets: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                sockets.append(sock := socket.socket())
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


@contextmanager
def serve_workers(tmp_dir: Path, count: int, /, **variables: str) -> Iterator[Workers]:
    """`manage.py serve_workers --workers count` on consecutive ports, on a migrated database."""
    first = consecutive_free_ports(count)
    env = server_env(tmp_dir, first, **variables)
    prepare_database(env)
    log_path = tmp_dir / "serve_workers.log"
    with open(log_path, "wb") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "manage.py", "serve_workers", "--workers", str(count), "--port", str(first)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    urls = [f"http://127.0.0.1:{port}" for port in range(first, first + count)]
    workers = Workers(urls=urls, pids={}, supervisor=supervisor, env=env, log_path=log_path)
    try:
        for url in urls:
            workers.wait_until_healthy(url)
        started = re.findall(r"pid (\d+) port (\d+) started", workers.log())
        workers.pids = {int(port): int(pid) for pid, port in started}
        assert len(workers.pids) == count, workers.log()
        yield workers
    finally:
        stop(supervisor)


# -- a shopper's journey, as a host and its widgets take it ----------------------------------------


async def call_tool(live: LiveServer, endpoint: str, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    """One tools/call with the official MCP client, e.g. call_tool(live, "/mcp3", "checkout", {...})."""
    async with Client(f"{live.url}{endpoint}") as client:
        return await client.call_tool(tool, arguments)


def text_of(result: CallToolResult) -> str:
    """The text a tool result leads with: what the model reads first."""
    block = result.content[0]
    assert isinstance(block, TextContent), f"the result leads with {block.type} content, not text"
    return block.text


def structured(result: CallToolResult) -> dict[str, Any]:
    """A tool result's structuredContent, which the tool must have sent as a JSON object."""
    assert isinstance(result.structured_content, dict), f"no structuredContent object in {result.content}"
    return result.structured_content


async def reviewed(live: LiveServer, session_id: str) -> dict[str, str]:
    """What the checkout widget posts to complete the purchase: the session, and the version of the
    checkout summary the shopper reviewed (the checkout tool's result)."""
    result = await call_tool(live, "/mcp3", "checkout", {"sessionId": session_id})
    assert not result.is_error, text_of(result)
    return {"sessionId": session_id, "version": str(structured(result)["version"])}


async def start_session(live: LiveServer) -> str:
    result = await call_tool(live, "/mcp", "create-target-session", {})
    assert not result.is_error, result.content
    return str(structured(result)["sessionId"])


def callback(live: LiveServer, path: str, body: dict[str, Any]) -> httpx.Response:
    """What the sign-in widget posts, from its sandboxed frame (Origin: null in the playground)."""
    return httpx.post(f"{live.url}/api/session/{path}", json=body, headers={"Origin": live.url}, timeout=30)


def sign_in(live: LiveServer, session_id: str, persona: Persona = LAUREN) -> dict[str, Any]:
    """Sign `persona` in on `session_id` through the widget's callbacks; the verified status."""
    body = {"sessionId": session_id, "email": persona.email, "password": persona.password}
    sent = callback(live, "authenticate", body)
    assert sent.status_code == 200, sent.text
    verified = callback(live, "verify", {"sessionId": session_id, "code": sent.json()["demo_code"]})
    assert verified.status_code == 200 and verified.json()["authenticated"] is True, verified.text
    return dict(verified.json())


async def signed_in_session(live: LiveServer, persona: Persona = LAUREN) -> str:
    """A new session with `persona` signed in, as create-target-session and the sign-in widget make it."""
    session_id = await start_session(live)
    sign_in(live, session_id, persona)
    return session_id


def expire_session(live: LiveServer, session_id: str) -> None:
    """Let a shopper session run out of time, as one left idle does."""
    live.run_django(
        f"from auth_mcp.models import ShopperSession\nShopperSession.objects.get(handle={session_id!r}).expire_now()"
    )


async def post(live: LiveServer, path: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    """A widget's POST to the app's API, with an Idempotency-Key when `key` is given."""
    headers = {"Idempotency-Key": key} if key is not None else {}
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
        return await http.post(path, json=body, headers=headers)


def new_key() -> str:
    return os.urandom(16).hex()


def cents(amount: Decimal) -> Decimal:
    """Money as a shopper reads it: rounded half up to the cent."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
