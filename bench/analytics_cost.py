#!/usr/bin/env python3
"""bench/analytics_cost.py -- what demo analytics cost: event ingest per second, and tool-call latency with the
server-side recording of tool calls on versus off. One uvicorn worker on PostgreSQL, pinned to one core.

    .venv/bin/python bench/analytics_cost.py            # ~2 min; prints one JSON line (and a table on stderr)

It creates a fresh PostgreSQL database (DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432),
migrates it, and starts uvicorn (uvloop, httptools, one worker, CPU $BENCH_SERVER_CPU) twice: with
ANALYTICS_RECORD_TOOL_CALLS=1 and =0. wrk (CPU $BENCH_WRK_CPU) then
  - POSTs batches of $BENCH_EVENTS_PER_BATCH (20) widget events to /api/analytics/events, a new shopper per
    request (202 required for every one): events/s = batches/s x batch size, and rows counted after;
  - calls the trivial tool test_simple_text on /mcp-conformance (2026-07-28 JSON mode, as bench/run.py), on the
    recording and the non-recording server in turn, $BENCH_REPS rounds (median kept); the recording server's
    ToolCall rows are counted after, so the figure is for calls that were really written.
The database is dropped at the end. Env: BENCH_DURATION (5), BENCH_CONNS (16), BENCH_REPS (3), BENCH_SERVER_CPU,
BENCH_WRK_CPU, BENCH_EVENTS_PER_BATCH (20).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
import mcp_req  # noqa: E402

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNS = int(os.environ.get("BENCH_CONNS", "16"))
REPS = int(os.environ.get("BENCH_REPS", "3"))
PER_BATCH = int(os.environ.get("BENCH_EVENTS_PER_BATCH", "20"))
NCPU = os.cpu_count() or 1
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "1" if NCPU > 1 else "")
WRK_CPU = os.environ.get("BENCH_WRK_CPU", "0" if NCPU > 1 else "")
PG = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
PG = PG or "postgres://postgres@127.0.0.1:5432/postgres"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"targetdemo_bench_analytics_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(with_path(PG, "/postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield with_path(PG, f"/{name}")
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database: str, recording: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        DJANGO_SETTINGS_MODULE="targetdemo.settings",
        DATABASE_URL=database,
        MCP_CONFORMANCE_FIXTURES="1",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY="bench-" + secrets.token_hex(24),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        MCP_RATE_LIMIT_PER_ADDRESS="1000000000/60",
        MCP_RATE_LIMIT_PER_PRINCIPAL="1000000000/60",
        ANALYTICS_RATE_PER_SHOPPER="1000000/min",
        ANALYTICS_RECORD_TOOL_CALLS="1" if recording else "0",
    )
    return env


@contextmanager
def server(database: str, recording: bool, logs: Path) -> Iterator[str]:
    port = free_port()
    pin = ["taskset", "-c", SERVER_CPU] if SERVER_CPU else []
    command = [
        *pin,
        str(BIN / "uvicorn"),
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--lifespan",
        "off",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "targetdemo.asgi:application",
    ]
    with open(logs / f"server-recording-{int(recording)}.log", "w") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=server_env(database, recording), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {logs}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)  # uvicorn shuts down; the recorder writes what it still holds at exit
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(url: str, script: str, env: dict[str, str], out: Path, seconds: int = DURATION) -> dict[str, Any]:
    pin = ["taskset", "-c", WRK_CPU] if WRK_CPU else []
    subprocess.run(
        [*pin, "wrk", "-t1", f"-c{CONNS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / script), url],
        env={**os.environ, **env, "WRK_JSON_OUT": str(out)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    row: dict[str, Any] = json.loads(out.read_text())
    return row


def count(database: str, table: str) -> int:
    with psycopg.connect(database) as db:
        found = db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(found[0]) if found else 0


def ingest_body(path: Path) -> None:
    events = [
        {"type": "impression", "widget": "product-carousel", "renderMs": 180, "ageMs": 900, "variant": "grid"},
        *(
            {
                "type": "interaction",
                "widget": "product-carousel",
                "action": "product_opened",
                "target": "38098260",
                "ageMs": 800 - i,
            }
            for i in range(PER_BATCH - 1)
        ),
    ]
    path.write_text(json.dumps({"shopper": "0" * 32, "events": events}, separators=(",", ":")))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    results: dict[str, Any] = {
        "duration_s": DURATION,
        "connections": CONNS,
        "reps": REPS,
        "events_per_batch": PER_BATCH,
    }
    with fresh_database() as database:
        env = {**os.environ, "DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "targetdemo.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        body = tmp / "tools-call.json"
        with redirect_stdout(io.StringIO()):  # build() prints the headers, which are these
            mcp_req.build("test_simple_text", "{}", "2026-07-28", str(body))
        headers = "MCP-Protocol-Version: 2026-07-28\nMcp-Method: tools/call\nMcp-Name: test_simple_text"
        events = tmp / "events.json"
        ingest_body(events)
        with server(database, True, tmp) as on_url, server(database, False, tmp) as off_url:
            # Ingest: warm up, then one measured run.
            ingest_env = {"INGEST_BODY_FILE": str(events)}
            wrk(f"{on_url}/api/analytics/events", "analytics_ingest.lua", ingest_env, tmp / "warm.json", 2)
            before = count(database, "analytics_interaction") + count(database, "analytics_impression")
            ingest = wrk(f"{on_url}/api/analytics/events", "analytics_ingest.lua", ingest_env, tmp / "ingest.json")
            stored = count(database, "analytics_interaction") + count(database, "analytics_impression") - before
            accepted = ingest["requests"] - ingest["bad"]
            results["ingest"] = {
                **ingest,
                "events_per_s": round(accepted * PER_BATCH / ingest["duration_s"]),
                "events_stored": stored,
                "events_sent": accepted * PER_BATCH,
            }
            # Tool calls, recording on and off in turn.
            call_env = {"MCP_BODY_FILE": str(body), "MCP_HEADERS": headers}
            runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
            warm_on = wrk(f"{on_url}/mcp-conformance", "mcp_load.lua", call_env, tmp / "warm.json", 2)
            wrk(f"{off_url}/mcp-conformance", "mcp_load.lua", call_env, tmp / "warm.json", 2)
            for _ in range(REPS):
                for label, url in (("on", on_url), ("off", off_url)):
                    runs[label].append(wrk(f"{url}/mcp-conformance", "mcp_load.lua", call_env, tmp / f"{label}.json"))
        # Both servers have stopped: the recorder wrote what it held at exit.
        recorded = count(database, "analytics_toolcall")
    for label, rows in runs.items():
        results[f"tool_calls_recording_{label}"] = {
            "rps": statistics.median(r["rps"] for r in rows),
            "lat_p50_ms": statistics.median(r["lat_p50_ms"] for r in rows),
            "lat_p99_ms": statistics.median(r["lat_p99_ms"] for r in rows),
            "requests": sum(r["requests"] for r in rows),
            "bad": sum(r["bad_status"] + r["bad_body"] for r in rows),
        }
    results["tool_calls_recorded"] = recorded
    answered_on = results["tool_calls_recording_on"]["requests"] + warm_on["requests"]
    results["tool_calls_answered_with_recording"] = answered_on
    on, off, ing = results["tool_calls_recording_on"], results["tool_calls_recording_off"], results["ingest"]
    log(
        "| measure | value |\n|---|---:|\n"
        f"| ingest: batches/s ({PER_BATCH} events each, c={CONNS}; refused) | {ing['rps']:,.0f} ({ing['bad']}) |\n"
        f"| ingest: events/s | {ing['events_per_s']:,} |\n"
        f"| ingest: p50 / p99 ms | {ing['lat_p50_ms']:.1f} / {ing['lat_p99_ms']:.1f} |\n"
        f"| ingest: events accepted / stored | {ing['events_sent']:,} / {ing['events_stored']:,} |\n"
        f"| tools/call recording on: req/s, p50 / p99 ms | {on['rps']:,.0f}, {on['lat_p50_ms']:.1f} / {on['lat_p99_ms']:.1f} |\n"
        f"| tools/call recording off: req/s, p50 / p99 ms | {off['rps']:,.0f}, {off['lat_p50_ms']:.1f} / {off['lat_p99_ms']:.1f} |\n"
        f"| tool calls answered with recording on (warm-up included) / recorded | {answered_on:,} / {recorded:,} |"
    )
    print(json.dumps(results))
    # Requests still in flight when wrk stops are answered and stored after it: stored may exceed sent, never trail it.
    lost = ing["events_stored"] < ing["events_sent"] or recorded < answered_on
    failed = ing["bad"] or ing["errors"] or on["bad"] or off["bad"] or lost
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
