"""Start the real app in a daphne subprocess for tests that need a live server.

Tests talk to it over real sockets, the way MCP hosts and browsers do. Each server gets its own
SQLite file (migrated first) unless DATABASE_URL is set, in which case it shares that database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def server_env(tmp_dir: Path, port: int | None = None, **overrides: str) -> dict[str, str]:
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
    env.setdefault("SIGN_IN_RATE_PER_EMAIL", "1000/min")
    env.setdefault("SIGN_IN_RATE_PER_SESSION", "1000/min")
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(tmp_dir / "live.sqlite3")
    env.update(overrides)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


@contextmanager
def live_server(
    tmp_dir: Path, *, port: int | None = None, migrated: bool = False, **env_overrides: str
) -> Iterator[LiveServer]:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    # The test binds the socket and hands it to daphne, so no other process on the machine can
    # take the port between choosing it and listening on it.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port or 0))
    listener.listen(1024)
    port = int(listener.getsockname()[1])
    env = server_env(tmp_dir, port, **env_overrides)
    if not migrated:
        migrate(env)
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
        wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_until_up(server: LiveServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"daphne did not answer /healthz within {timeout}s:\n{server.log()}")
