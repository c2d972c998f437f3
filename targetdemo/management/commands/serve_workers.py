"""Run N server processes on consecutive ports, for a load balancer in front (README, "Several workers").

    python manage.py serve_workers --workers 3 --port 8000     # 127.0.0.1:8000, :8001, :8002

Each worker is one ASGI server process (uvicorn with uvloop and httptools by default; `--server
daphne` for the other one). They share nothing in memory: with DATABASE_URL and REDIS_URL set, every
session, cart and order lives in PostgreSQL and Redis, so any worker answers any request and the load
balancer needs no sticky sessions. A worker that dies is started again (after a second; a worker that
keeps dying at start-up stops the command). SIGTERM or SIGINT stops them all, gracefully and then
for good. Migrations are not run here (the release step runs them once).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from targetdemo.env import env_int

APPLICATION = "targetdemo.asgi:application"
RESTART_DELAY_SECONDS = 1.0
# A worker that exits this soon after starting, this many times running, is failing, not crashing.
QUICK_EXIT_SECONDS = 5.0
QUICK_EXITS_ALLOWED = 5
STOP_GRACE_SECONDS = 15.0


def server_command(server: str, host: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", APPLICATION, "--host", host, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--ws", "none",
            # Channels' router has no lifespan protocol; our JSON logs replace the access log.
            "--lifespan", "off", "--no-access-log",
            # Open SSE streams never end on their own: don't let them hold a stop forever.
            "--timeout-graceful-shutdown", "10",
        ]  # fmt: skip
    return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), APPLICATION]


@dataclass
class Worker:
    number: int
    port: int
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()
        self.restart_at = None


class Command(BaseCommand):
    help = "Run N ASGI server processes on consecutive ports (uvicorn by default), restarting any that dies."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=env_int("WEB_CONCURRENCY", 2, minimum=1))
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1), help="the first port")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
        parser.add_argument("--no-restart", action="store_true", help="leave a worker that dies stopped")

    def handle(self, *args: Any, **options: Any) -> None:
        count, first_port = options["workers"], options["port"]
        if count < 1:
            raise CommandError("--workers must be 1 or more.")
        if not 0 < first_port <= 65536 - count:
            raise CommandError(f"--port {first_port} leaves no room for {count} consecutive ports.")
        if count > 1 and (not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not settings.REDIS_URL):
            self.stderr.write(
                "serve_workers: warning: without DATABASE_URL (PostgreSQL) and REDIS_URL the workers do not share "
                "sessions, streams or the cache; a client must then always reach the same worker."
            )
        workers = [
            Worker(
                number + 1, first_port + number, server_command(options["server"], options["host"], first_port + number)
            )
            for number in range(count)
        ]
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for worker in workers:
            worker.start()
            self.say(worker, "started")
        try:
            while not stopping:
                time.sleep(0.2)
                for worker in workers:
                    self.tend(worker, restart=not options["no_restart"])
                if all(worker.process is None for worker in workers):
                    raise CommandError("every worker has stopped")
        finally:
            self.stop_all(workers)

    def tend(self, worker: Worker, *, restart: bool) -> None:
        process = worker.process
        if process is None:
            if worker.restart_at is not None and time.monotonic() >= worker.restart_at:
                worker.start()
                self.say(worker, "restarted")
            return
        code = process.poll()
        if code is None:
            return
        worker.process = None
        self.say(worker, f"exited with status {code}", pid=process.pid)
        if not restart:
            return
        worker.quick_exits = worker.quick_exits + 1 if time.monotonic() - worker.started_at < QUICK_EXIT_SECONDS else 0
        if worker.quick_exits >= QUICK_EXITS_ALLOWED:
            raise CommandError(f"worker {worker.number} (port {worker.port}) keeps exiting at start-up; see its log")
        worker.restart_at = time.monotonic() + RESTART_DELAY_SECONDS

    def stop_all(self, workers: list[Worker]) -> None:
        running = [worker.process for worker in workers if worker.process is not None and worker.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stdout.write("serve_workers: all workers stopped")

    def say(self, worker: Worker, what: str, pid: int | None = None) -> None:
        pid = pid if pid is not None else (worker.process.pid if worker.process else 0)
        self.stdout.write(f"serve_workers: worker {worker.number} pid {pid} port {worker.port} {what}")
        self.stdout.flush()
