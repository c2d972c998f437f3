#!/usr/bin/env python3
"""bench/run.py -- every performance target of our MCP engine next to the official Python SDK, in one run, one machine.

    .venv/bin/python bench/run.py                 # full run (~25 min): load table, idle streams, widget render, docs
    BENCH_SMOKE=1 .venv/bin/python bench/run.py   # CI smoke (< 60 s): 1-second runs at c=16, no streams/widget, docs untouched
    BENCH_PROFILE=1 .venv/bin/python bench/run.py # py-spy profile of our tools/call paths under load (needs py-spy)

It raises its soft fd limit to the hard one (inherited by the servers and probes), migrates a fresh SQLite database
in the run's results dir (SQLITE_PATH), then starts these servers, all at once (idle ones cost nothing), each one
process pinned to CPU $BENCH_SERVER_CPU (1), under daphne and under uvicorn (uvloop + httptools):
  ours   targetdemo.asgi:application (MCP_CONFORMANCE_FIXTURES=1, DEBUG=0, LOG_LEVEL=WARNING, in-memory cache/channel
         layer, rate limits raised to 10^9/min so their counting stays on the path but never trips, no access log).
         Load targets on it: `ours-*` test_simple_text on /mcp-conformance; `session-*` create-target-session on /mcp
         (a database write); `search-*` search-target-products {"query":"fitbit"} on /mcp2 (cached: the verifying
         call fills the cache). The product targets run at $BENCH_PRODUCT_CONNS (16).
  sdk    bench/reference/sdk_server.py: the official SDK's MCPServer with the same test_simple_text tool,
         stateless + JSON responses (its fastest mode), POST /mcp
  bare   bench/reference/bare_asgi.py: an ASGI app answering a precomputed body (the server's ceiling)
Each gets the 2026-07-28 JSON-mode tools/call (per-request _meta envelope, Mcp-Method/Mcp-Name headers)
from wrk pinned to CPU $BENCH_WRK_CPU (0): the answer is checked by hand first (a non-error result or the
run fails), then per concurrency a warm-up of each and its RSS, then REPS rounds that load each target in turn
(interleaved, so drift on a shared machine hits all alike; median kept); every status and every 50th body is
checked. Then (full mode) the idle-stream probe (bench/sse_idle.py, a fresh server per probe): legacy SSE and the
2025 GET stream, ours vs the SDK (sse_app / a stateful streamable app), up to 15,000 streams, and the widget render
timing in Chromium (bench/widget_render.py).

Env: BENCH_SMOKE=1, BENCH_PROFILE=1, BENCH_CONNS="16 64", BENCH_PRODUCT_CONNS="16", BENCH_DURATION=6, BENCH_WARMUP=3,
     BENCH_REPS=5, BENCH_ONLY=<regex on labels>, BENCH_SSE=0|1 (idle streams; default: 1 in full mode),
     BENCH_STREAM_STEPS=1000,5000,10000,15000, BENCH_STREAM_ASGI="uvicorn daphne", BENCH_STREAM_STEP_TIMEOUT=120,
     BENCH_WIDGET=0|1 (default: 1 in full mode), BENCH_WIDGET_RENDERS=20,
     BENCH_ANALYTICS=0|1 (bench/analytics_cost.py, PostgreSQL; default: 1 in full mode),
     BENCH_DOCS=0|1 (default: 1 in full mode; rewrites the generated part of docs/benchmarks.md),
     BENCH_RESULTS=<dir> (default bench/results/<stamp>), BENCH_SERVER_CPU=1, BENCH_WRK_CPU=0,
     BENCH_PROFILE_SECONDS=20.
Exit status: 0 when every server answered correctly with no error responses, 1 otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = HERE / "reference"
BIN = Path(sys.executable).parent
# One result record (a load run, an SSE step, a report row) as JSON carries it.
Row = dict[str, Any]
sys.path.insert(0, str(HERE))
import mcp_req  # noqa: E402
from proctree import rss_cpu  # noqa: E402

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
CONNS = [int(c) for c in os.environ.get("BENCH_CONNS", "16" if SMOKE else "16 64").split()]
DURATION = int(os.environ.get("BENCH_DURATION", "1" if SMOKE else "6"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "1" if SMOKE else "3"))
REPS = int(os.environ.get("BENCH_REPS", "1" if SMOKE else "5"))
ONLY = re.compile(os.environ.get("BENCH_ONLY", "."))
RUN_SSE = os.environ.get("BENCH_SSE", "0" if (SMOKE or PROFILE) else "1") == "1"
SSE_STEPS = os.environ.get("BENCH_SSE_STEPS", "1000,2000,5000")
WRITE_DOCS = os.environ.get("BENCH_DOCS", "0" if (SMOKE or PROFILE) else "1") == "1"
NCPU = os.cpu_count() or 1
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "1" if NCPU > 1 else "")
WRK_CPU = os.environ.get("BENCH_WRK_CPU", "0" if NCPU > 1 else "")
PROTO = "2026-07-28"
TOOL = "test_simple_text"
DOCS = ROOT / "docs" / "benchmarks.md"
MARK_START, MARK_END = "<!-- bench/run.py: generated results start -->", "<!-- bench/run.py: generated results end -->"

OURS_ENV = {
    "DJANGO_SETTINGS_MODULE": "targetdemo.settings",
    "MCP_CONFORMANCE_FIXTURES": "1",
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + secrets.token_hex(24),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    # wrk is one client address: keep the per-address limit's counting on the path, but never let it trip
    "MCP_RATE_LIMIT_PER_ADDRESS": "1000000000/60",
    "MCP_RATE_LIMIT_PER_PRINCIPAL": "1000000000/60",
    # SQLITE_PATH: set by main() to a database in the run's results dir, migrated once before any server starts
}
PRODUCT_CONNS = [int(c) for c in os.environ.get("BENCH_PRODUCT_CONNS", "16").split()]
STREAM_STEPS = os.environ.get("BENCH_STREAM_STEPS", os.environ.get("BENCH_SSE_STEPS", "1000,5000,10000,15000"))
STREAM_ASGI = os.environ.get("BENCH_STREAM_ASGI", "uvicorn daphne").split()
RUN_WIDGET = os.environ.get("BENCH_WIDGET", "0" if (SMOKE or PROFILE) else "1") == "1"
# bench/analytics_cost.py needs PostgreSQL: on by default in full mode only.
RUN_ANALYTICS = os.environ.get("BENCH_ANALYTICS", "0" if (SMOKE or PROFILE) else "1") == "1"
DAPHNE = [str(BIN / "daphne"), "-b", "127.0.0.1", "-v", "0", "-p"]
UVICORN = [
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
    "--host",
    "127.0.0.1",
    "--port",
]


class Server:
    """One server process. Its `tool`/`args`/`path` are the trivial-tool load target served by it; `on` names the
    process of another Server that serves this extra target (product tools ride on the `ours` processes)."""

    def __init__(
        self,
        label: str,
        kind: str,
        asgi: str,
        port: int,
        path: str,
        app: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        extra: list[str] | None = None,
        *,
        tool: str = "test_simple_text",
        args: str = "{}",
        on: str | None = None,
        conns: list[int] | None = None,
    ) -> None:
        self.label, self.kind, self.asgi, self.port, self.path = label, kind, asgi, port, path
        self.app, self.cwd, self.env, self.extra = app, cwd, env or {}, extra or []
        self.tool, self.args, self.on, self.conns = tool, args, on, conns

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def command(self) -> list[str]:
        base = [*DAPHNE, str(self.port)] if self.asgi == "daphne" else [*UVICORN, str(self.port), *self.extra]
        pin = ["taskset", "-c", SERVER_CPU] if SERVER_CPU else []
        return [*pin, *base, self.app]


LOAD_SERVERS = [
    Server("ours-daphne", "ours", "daphne", 8611, "/mcp-conformance", "targetdemo.asgi:application", ROOT, OURS_ENV),
    Server("sdk-daphne", "sdk", "daphne", 8612, "/mcp", "sdk_server:daphne_app", REFERENCE),
    Server("bare-daphne", "bare", "daphne", 8613, "/mcp", "bare_asgi:app", REFERENCE),
    Server(
        "ours-uvicorn",
        "ours",
        "uvicorn",
        8614,
        "/mcp-conformance",
        "targetdemo.asgi:application",
        ROOT,
        OURS_ENV,
        ["--lifespan", "off"],
    ),
    Server("sdk-uvicorn", "sdk", "uvicorn", 8615, "/mcp", "sdk_server:app", REFERENCE, None, ["--lifespan", "on"]),
    Server("bare-uvicorn", "bare", "uvicorn", 8616, "/mcp", "bare_asgi:app", REFERENCE, None, ["--lifespan", "off"]),
]
# Product tools, on the `ours` processes above, compared with the SDK's trivial tool (target: >= 1.5x).
for _asgi, _port in (("daphne", 8611), ("uvicorn", 8614)):
    LOAD_SERVERS += [
        Server(
            f"session-{_asgi}",
            "ours-session",
            _asgi,
            _port,
            "/mcp",
            "",
            ROOT,
            tool="create-target-session",
            on=f"ours-{_asgi}",
            conns=PRODUCT_CONNS,
        ),
        Server(
            f"search-{_asgi}",
            "ours-search",
            _asgi,
            _port,
            "/mcp2",
            "",
            ROOT,
            tool="search-target-products",
            args='{"query":"fitbit"}',
            on=f"ours-{_asgi}",
            conns=PRODUCT_CONNS,
        ),
    ]
# Idle streams: (server, probe mode). Each probe gets a fresh process. tool = the probe mode here.
SSE_SERVERS = [
    Server(
        "sse-ours-uvicorn",
        "ours",
        "uvicorn",
        8622,
        "/mcp-conformance",
        "targetdemo.asgi:application",
        ROOT,
        OURS_ENV,
        ["--lifespan", "off"],
        tool="legacy",
    ),
    Server(
        "sse-sdk-uvicorn",
        "sdk",
        "uvicorn",
        8624,
        "/sse",
        "sdk_server:sse_app",
        REFERENCE,
        None,
        ["--lifespan", "on"],
        tool="legacy",
    ),
    Server(
        "get-ours-uvicorn",
        "ours",
        "uvicorn",
        8626,
        "/mcp-conformance",
        "targetdemo.asgi:application",
        ROOT,
        OURS_ENV,
        ["--lifespan", "off"],
        tool="get2025",
    ),
    Server(
        "get-sdk-uvicorn",
        "sdk",
        "uvicorn",
        8628,
        "/mcp",
        "sdk_server:stateful_app",
        REFERENCE,
        None,
        ["--lifespan", "on"],
        tool="get2025",
    ),
    Server(
        "sse-ours-daphne",
        "ours",
        "daphne",
        8621,
        "/mcp-conformance",
        "targetdemo.asgi:application",
        ROOT,
        OURS_ENV,
        tool="legacy",
    ),
    Server("sse-sdk-daphne", "sdk", "daphne", 8623, "/sse", "sdk_server:sse_app", REFERENCE, tool="legacy"),
    Server(
        "get-ours-daphne",
        "ours",
        "daphne",
        8625,
        "/mcp-conformance",
        "targetdemo.asgi:application",
        ROOT,
        OURS_ENV,
        tool="get2025",
    ),
    Server(
        "get-sdk-daphne", "sdk", "daphne", 8627, "/mcp", "sdk_server:stateful_daphne_app", REFERENCE, tool="get2025"
    ),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Running:
    """A started server process; stopped by its PID (SIGTERM, then SIGKILL after a grace period)."""

    def __init__(self, server: Server, logs: Path) -> None:
        if port_open(server.port):
            raise RuntimeError(f"{server.label}: port {server.port} is already in use")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(server.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(server.cwd), env.get("PYTHONPATH", "")]))
        self.server = server
        self.logfile = open(logs / f"{server.label}.log", "w")
        self.proc = subprocess.Popen(
            server.command(),
            cwd=server.cwd,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not port_open(server.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{server.label}: did not come up; see {self.logfile.name}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:  # the SDK's daphne shim ignores SIGTERM
                self.proc.kill()
                self.proc.wait()
        self.logfile.close()


def request_files(tmp: Path, tool: str = TOOL, args: str = "{}") -> tuple[Path, str]:
    body = tmp / f"body-{re.sub(r'[^a-z0-9_-]', '', tool)}.json"
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        mcp_req.build(tool, args, PROTO, str(body))
    return body, out.getvalue().strip()


def verify(url: str, body: Path, headers: str, tmp: Path) -> Row:
    req = urllib.request.Request(url, data=body.read_bytes(), method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json, text/event-stream")
    for line in headers.splitlines():
        k, v = line.split(":", 1)
        req.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, raw = e.code, e.read()
    out = tmp / "check.out"
    out.write_bytes(raw)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = mcp_req.check(str(out), str(code))
    text = buf.getvalue().strip()
    if rc != 0:
        raise RuntimeError(f"verification failed: {text}")
    digest: Row = json.loads(text[3:])
    digest["body"] = raw.decode("utf-8", "replace")[:600]
    return digest


def wrk(url: str, conns: int, seconds: int, body: Path, headers: str, out: Path) -> Row:
    pin = ["taskset", "-c", WRK_CPU] if WRK_CPU else []
    env = dict(os.environ, MCP_BODY_FILE=str(body), MCP_HEADERS=headers, WRK_JSON_OUT=str(out))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [*pin, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / "mcp_load.lua"), url],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run: Row = json.loads(out.read_text())
    run["wrk_cpu_s"] = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)
    return run


def load_all(servers: list[Server], results: Path, tmp: Path) -> tuple[list[Row], list[str]]:
    """Start every server at once (all pinned to the server CPU; idle ones cost nothing), then interleave:
    for each concurrency, a warm-up of each, then REPS rounds that run each server once in turn, so that
    drift on a shared machine hits every server alike and the ratios stay fair."""
    running: dict[str, Running] = {}
    digests: dict[str, Row] = {}
    failed: list[str] = []
    req = {s.label: request_files(tmp, s.tool, s.args) for s in servers}

    def proc(s: Server) -> Running:
        return running[s.on or s.label]

    try:
        for server in servers:
            try:
                if server.on:
                    if server.on not in running:
                        raise RuntimeError(f"its process {server.on} is not running")
                    log(f"=== {server.label}: {server.tool} {server.args} on {server.on}'s process, {server.url}")
                else:
                    log(f"=== {server.label}: {' '.join(server.command())}")
                    running[server.label] = Running(server, results / "logs")
                    time.sleep(0.3)
                body, headers = req[server.label]
                digests[server.label] = verify(server.url, body, headers, tmp)  # also warms the search cache
                d = digests[server.label]
                log(f"{server.label}: verified {d['framing']} {d['bytes']} B")
                (results / "logs" / f"{server.label}.response.json").write_text(d["body"])
            except RuntimeError as exc:
                log(f"{server.label}: FAILED: {exc}")
                failed.append(server.label)
                if server.label in running:
                    running.pop(server.label).stop()
        all_live = [s for s in servers if (s.on or s.label) in running and s.label in digests]
        rows = []
        for c in CONNS:
            live = [s for s in all_live if s.conns is None or c in s.conns]
            rss = {}
            for server in live:
                body, headers = req[server.label]
                wrk(server.url, c, WARMUP, body, headers, tmp / "warm.json")
                rss[server.label] = rss_cpu(proc(server).pid)[0]
            runs: dict[str, list[Row]] = {s.label: [] for s in live}
            for _ in range(REPS):
                for server in live:
                    body, headers = req[server.label]
                    pid = proc(server).pid
                    cpu0 = rss_cpu(pid)[1]
                    run = wrk(server.url, c, DURATION, body, headers, tmp / "run.json")
                    run["server_cpu_s"] = round(rss_cpu(pid)[1] - cpu0, 2)
                    run["loadavg"] = os.getloadavg()[0]
                    runs[server.label].append(run)
            for server in live:
                rs = runs[server.label]

                def med(key: str, rs: list[Row] = rs) -> float:
                    return float(statistics.median(r[key] for r in rs))

                errors = sum(
                    r["bad_status"] + r["bad_body"] + r["err_status"] + r["err_timeout"] + r["err_connect"] for r in rs
                )
                digest = digests[server.label]
                row = {
                    "label": server.label,
                    "kind": server.kind,
                    "asgi": server.asgi,
                    "url": server.url,
                    "tool": server.tool,
                    "proto": PROTO,
                    "conns": c,
                    "rps": round(med("rps"), 1),
                    "p50_ms": round(med("lat_p50_ms"), 2),
                    "p99_ms": round(med("lat_p99_ms"), 2),
                    "rss_mb": round(rss[server.label] / 1024, 1),
                    "server_cpu_util": round(med("server_cpu_s") / med("duration_s"), 2),
                    "req_per_cpu_s": round(statistics.median(r["requests"] / max(r["server_cpu_s"], 0.01) for r in rs)),
                    "wrk_cpu_util": round(med("wrk_cpu_s") / med("duration_s"), 2),
                    "errors": errors,
                    "response": {k: v for k, v in digest.items() if k != "body"},
                    "runs": rs,
                }
                rows.append(row)
                log(
                    f"{server.label:<14} c={c:<3} rps={row['rps']:>9} p50={row['p50_ms']:>7}ms "
                    f"p99={row['p99_ms']:>7}ms rss={row['rss_mb']}MB srv_cpu={row['server_cpu_util']} "
                    f"wrk_cpu={row['wrk_cpu_util']} errors={errors} reps={[round(r['rps']) for r in rs]}"
                )
                if errors:
                    first = [r["first_bad"] for r in rs if r["first_bad"]][:1]
                    log(f"{server.label}: error responses during the run; first: {first}")
                    failed.append(server.label)
        return rows, failed
    finally:
        for r in running.values():
            r.stop()


def sse_one(server: Server, results: Path) -> Row | None:
    log(f"=== {server.label}: {' '.join(server.command())}")
    running = Running(server, results / "logs")
    try:
        time.sleep(0.5)
        pin = ["taskset", "-c", WRK_CPU] if WRK_CPU else []
        steps = STREAM_STEPS if not SMOKE else "200"
        cmd = [
            *pin,
            sys.executable,
            str(HERE / "sse_idle.py"),
            server.url,
            "--pid",
            str(running.pid),
            "--mode",
            server.tool,
            "--steps",
            steps,
            "--step-timeout",
            os.environ.get("BENCH_STREAM_STEP_TIMEOUT", "120"),
            "--mcp-check",
        ]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        log(p.stderr.strip())
        if p.returncode != 0:
            return None
        out: Row = json.loads(p.stdout.strip().splitlines()[-1])
        out["label"], out["kind"], out["asgi"] = server.label, server.kind, server.asgi
        out["server_alive"] = running.proc.poll() is None
        running.logfile.flush()
        # where and why a step failed: the server's own last words
        tail = [ln for ln in Path(running.logfile.name).read_text(errors="replace").splitlines() if ln.strip()]
        out["server_log_tail"] = tail[-6:]
        out["server_log_lines"] = len(tail)
        return out
    finally:
        running.stop()


def versions() -> Row:
    from importlib.metadata import PackageNotFoundError, version

    pkgs: dict[str, str | None] = {}
    for name in (
        "Django",
        "channels",
        "daphne",
        "Twisted",
        "uvicorn",
        "uvloop",
        "httptools",
        "mcp",
        "mcp-types",
        "starlette",
        "pydantic",
        "asgiref",
    ):
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = None
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[:1]

    def git(*args: str) -> str:  # read-only
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "mcp_engine", "targetdemo")
    code = git("rev-parse", "--short", "HEAD") + (
        f" + uncommitted changes in {len(dirty.splitlines())} files of mcp_engine/ and targetdemo/" if dirty else ""
    )
    return {
        "code": code,
        "python": platform.python_version(),
        "packages": pkgs,
        "wrk": wrk_v[0] if wrk_v else "?",
        "kernel": platform.release(),
        "cpu": cpu,
        "nproc": NCPU,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- report ---------------------------------------------------------------------------------------


def fmt(x: float, nd: int = 0) -> str:
    return f"{x:,.{nd}f}"


def report(rows: list[Row], sse: list[Row], v: Row, mode: str, widget: Row | None = None) -> str:
    by = {(r["label"], r["conns"]): r for r in rows}
    conns = sorted({r["conns"] for r in rows})
    out = []
    pk = v["packages"]
    loads = [r["loadavg"] for x in rows for r in x["runs"]]
    utils = [x["server_cpu_util"] for x in rows]
    loaded = bool(utils) and min(utils) < 0.9
    out.append(
        f"Run: {v['date']}, mode: {mode} ({DURATION} s x {REPS} runs per point after a {WARMUP} s warm-up, "
        f"median kept).  \nMachine: {v['nproc']} vCPU, {v['cpu']}, Linux {v['kernel']}; server pinned to CPU "
        f"{SERVER_CPU or '-'}, wrk (1 thread) to CPU {WRK_CPU or '-'}.  \n"
        f"Versions: Python {v['python']}, Django {pk['Django']}, Channels {pk['channels']}, daphne {pk['daphne']} "
        f"(Twisted {pk['Twisted']}), uvicorn {pk['uvicorn']} (uvloop {pk['uvloop']}, httptools {pk['httptools']}), "
        f"mcp {pk['mcp']} (starlette {pk['starlette']}, pydantic {pk['pydantic']}), asgiref {pk['asgiref']}; "
        f"{v['wrk']}.  \nCode measured: {v.get('code', '?')}.  \n"
        f"Machine load (1-min load average) during the timed runs: {min(loads, default=0):.1f} to "
        f"{max(loads, default=0):.1f} (2.0 = both CPUs busy); the pinned server got "
        f"{min(utils, default=0):.2f} to {max(utils, default=0):.2f} of its core"
        + (
            " -- **loaded machine: throughput verdicts below use the req-per-server-CPU-s ratios**.\n"
            if loaded
            else ".\n"
        )
    )
    out.append("#### tools/call, 2026-07-28 JSON mode, one process on one core\n")
    head = "| target | tool | ASGI | resp B |"
    sep = "|---|---|---|---:|"
    for c in conns:
        head += f" c={c} req/s | p50 ms | p99 ms | vs SDK same server | vs SDK best |"
        sep += "---:|---:|---:|---:|---:|"
    head += " req per server CPU-s | vs SDK same server | RSS MB | server CPU | wrk CPU | errors |"
    sep += "---:|---:|---:|---:|---:|---:|"
    out += [head, sep]
    sdk_best = {
        c: max((r for r in rows if r["kind"] == "sdk" and r["conns"] == c), key=lambda r: r["rps"], default=None)
        for c in conns
    }

    def eff(label: str) -> float | None:
        rs = [by[(label, c)]["req_per_cpu_s"] for c in conns if (label, c) in by]
        return statistics.median(rs) if rs else None

    def eff_at(label: str, c: int) -> float | None:
        r = by.get((label, c))
        return r["req_per_cpu_s"] if r else None

    labels = list(dict.fromkeys(r["label"] for r in rows))
    for label in labels:
        any_r = next(r for r in rows if r["label"] == label)
        line = f"| {label} | `{any_r['tool']}` | {any_r['asgi']} | {any_r['response']['bytes']:,} |"
        for c in conns:
            r = by.get((label, c))
            if not r:
                line += " - | - | - | - | - |"
                continue
            same = by.get((f"sdk-{r['asgi']}", c))
            best = sdk_best[c]
            line += f" {fmt(r['rps'])} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
            line += f" {r['rps'] / same['rps']:.2f}x |" if same else " - |"
            line += f" {r['rps'] / best['rps']:.2f}x |" if best else " - |"
        rs = [by[(label, c)] for c in conns if (label, c) in by]
        e, sdk_e = eff(label), eff(f"sdk-{any_r['asgi']}")
        line += f" {fmt(e)} | {f'{e / sdk_e:.2f}x' if sdk_e else '-'} |" if e is not None else " - | - |"
        line += (
            f" {max(r['rss_mb'] for r in rs):.0f} | {max(r['server_cpu_util'] for r in rs):.2f} | "
            f"{max(r['wrk_cpu_util'] for r in rs):.2f} | {sum(r['errors'] for r in rs)} |"
        )
        out.append(line)
    best_names = ", ".join(f"c={c}: {b['label']} {fmt(b['rps'])} req/s" for c, b in sdk_best.items() if b)
    out.append(
        f"\nSDK best mode per concurrency: {best_names}. Ratios are req/s divided by req/s, same run; the "
        "`session-*` and `search-*` rows (our `create-target-session` on /mcp, a database write, and a cached "
        '`search-target-products {"query":"fitbit"}` on /mcp2) run on the `ours-*` processes and are '
        'compared with the SDK\'s *trivial* tool. "req per server CPU-s" = requests served per CPU-second the '
        "server process used (median over all runs at every concurrency): the efficiency figure, robust when "
        'other work on the machine takes CPU time from the pinned server (then "server CPU", the fraction of '
        "one core it got, is < 1).\n"
    )

    # -- every performance target -----------------------------------------------------------------------
    t = []

    def verdict_ge(x: float, goal: float) -> str:
        return "**met**" if x >= goal else f"missed by {(goal - x) / goal:.0%}"

    def throughput(name: str, ours_label: str, base_label: str | None, c: int, goal: float) -> None:
        ours, base = by.get((ours_label, c)), by.get((base_label, c)) if base_label else None
        if not ours or not base or base_label is None:
            return
        rr = ours["rps"] / base["rps"]
        eo, eb = eff_at(ours_label, c), eff_at(base_label, c)
        er = eo / eb if eo and eb else None
        basis = er if (loaded and er) else rr
        v_ = "context, not a target" if name.startswith("(context)") else verdict_ge(basis, goal)
        t.append(
            f"| {name} | {fmt(ours['rps'])} vs {fmt(base['rps'])} req/s ({base_label}) | {rr:.2f}x | "
            f"{f'{er:.2f}x' if er else '-'} | {v_} |"
        )

    for c in conns:
        for asgi in ("daphne", "uvicorn"):
            best = sdk_best[c]
            if best and best["label"] != f"sdk-{asgi}":
                throughput(
                    f"trivial tools/call >= 2.0x SDK best mode, {asgi}, c={c}", f"ours-{asgi}", best["label"], c, 2.0
                )
            throughput(
                f"trivial tools/call >= 2.0x SDK {'same server' if best and best['label'] != f'sdk-{asgi}' else 'best mode = same server'}, {asgi}, c={c}",
                f"ours-{asgi}",
                f"sdk-{asgi}",
                c,
                2.0,
            )
        throughput(f"trivial tools/call >= 0.5x bare ASGI, daphne, c={c}", "ours-daphne", "bare-daphne", c, 0.5)
        throughput(f"(context) trivial tools/call vs bare ASGI, uvicorn, c={c}", "ours-uvicorn", "bare-uvicorn", c, 0.5)
        bare, best = by.get(("bare-daphne", c)), sdk_best[c]
        if bare and best:
            ceil = bare["rps"] / best["rps"]
            ceil_e = (eff_at("bare-daphne", c) or 0) / (eff_at(best["label"], c) or 1)
            t.append(
                f"| ceiling: bare daphne / SDK best mode, c={c} (2.0x under daphne is possible only if this is "
                f">= 2.0) | {fmt(bare['rps'])} / {fmt(best['rps'])} req/s | {ceil:.2f}x | {ceil_e:.2f}x | "
                f"{'possible' if max(ceil, ceil_e) >= 2 else '**impossible** under daphne'} |"
            )
    for c in conns:
        for kind, name in (
            ("session", "`create-target-session` (DB write)"),
            ("search", "cached `search-target-products`"),
        ):
            for asgi in ("daphne", "uvicorn"):
                if (f"{kind}-{asgi}", c) not in by:
                    continue
                if kind == "search":
                    name = f"cached `search-target-products` ({by[(f'{kind}-{asgi}', c)]['response']['bytes'] / 1000:.1f} KB)"
                best = sdk_best[c]
                if best and best["label"] != f"sdk-{asgi}":
                    throughput(
                        f"{name} >= 1.5x SDK trivial, best mode, {asgi}, c={c}", f"{kind}-{asgi}", best["label"], c, 1.5
                    )
                throughput(
                    f"{name} >= 1.5x SDK trivial, {'same server' if best and best['label'] != f'sdk-{asgi}' else 'best mode = same server'}, {asgi}, c={c}",
                    f"{kind}-{asgi}",
                    f"sdk-{asgi}",
                    c,
                    1.5,
                )
    c = max(conns, default=0)
    for asgi in ("daphne", "uvicorn") if conns else ():
        ours = by.get((f"ours-{asgi}", c))
        bases = [x for x in (by.get((f"sdk-{asgi}", c)), sdk_best[c]) if x]
        for base in [x for i, x in enumerate(bases) if x["label"] not in [y["label"] for y in bases[:i]]]:
            if ours:
                ratio = ours["p99_ms"] / base["p99_ms"]
                t.append(
                    f"| p99 at c={c} <= 0.5x the SDK's ({asgi} vs {base['label']}) | {ours['p99_ms']:.1f} ms vs "
                    f"{base['p99_ms']:.1f} ms | {ratio:.2f}x | - | "
                    f"{'**met**' if ratio <= 0.5 else f'missed: {ratio:.2f}x, goal 0.50x'} |"
                )
    for s in sse:
        if s["kind"] != "ours":
            continue
        last = max(s["steps"], key=lambda x: x["held"]) if s["steps"] else {"held": 0, "rss_kb_per_conn": 0}
        kb = last["rss_kb_per_conn"]
        peer = next((x for x in sse if x["kind"] == "sdk" and x["mode"] == s["mode"] and x["asgi"] == s["asgi"]), None)
        peer_s = ""
        if peer and peer["steps"]:
            pl = max(peer["steps"], key=lambda x: x["held"])
            peer_s = f"; SDK: {pl['held']:,} at {pl['rss_kb_per_conn']:.1f} KB"
        what = "legacy SSE" if s["mode"] == "legacy" else "2025 GET stream"
        ok_n, ok_kb = last["held"] >= 15000, kb <= 25
        v_ = (
            "**met**"
            if ok_n and ok_kb
            else "missed: "
            + ", ".join(
                x
                for x in (
                    (f"held {last['held']:,} of 15,000" if not ok_n else ""),
                    (f"{kb:.1f} KB is {(kb - 25) / 25:.0%} over 25" if not ok_kb else ""),
                )
                if x
            )
        )
        t.append(
            f"| idle {what} >= 15,000 per process at <= 25 KB ({s['asgi']}) | {last['held']:,} held, {kb:.1f} KB "
            f"each{peer_s} | - | - | {v_} |"
        )
    if widget:
        for w in widget.get("widgets", []):
            p95 = w["p95_ms"]
            v_ = "**met**" if p95 < 150 else f"missed by {p95 - 150:.0f} ms"
            t.append(
                f"| widget `{w['widget']}` renders < 150 ms after its tool result (Chromium; p95 of {w['n']}) | "
                f"p50 {w['p50_ms']:.1f} ms, p95 {p95:.1f} ms, max {w['max_ms']:.1f} ms | - | - | {v_} |"
            )
    if t:
        out += [
            "#### Performance targets measured in this run\n",
            "| target | measured | ratio (req/s) | ratio (req per server CPU-s) | verdict |",
            "|---|---|---:|---:|---|",
            *t,
            "",
        ]
        out.append(
            "Verdicts on throughput use "
            + (
                "the req-per-server-CPU-s ratio, because the machine was loaded "
                "(the pinned servers did not get a whole core)"
                if loaded
                else "the req/s ratio"
            )
            + "; latency "
            "cannot be normalised that way, so the p99 verdicts are raw and suffer most from the load.\n"
        )

    if sse:
        out.append("#### Idle streams, one process (fresh per probe), at most 256 connecting at once\n")
        out.append(
            "| server | stream | idle RSS MB | held / target (open s, RSS MB, KB/stream) per step | KB/stream at max "
            "| marginal KB/stream, last step | still answers MCP | where it stopped |"
        )
        out.append("|---|---|---:|---|---:|---:|---|---|")
        for s in sse:
            steps = "; ".join(
                f"{x['held']:,}/{x['target']:,} ({x['open_s']} s, {x['rss_mb']} MB, {x['rss_kb_per_conn']})"
                for x in s["steps"]
            )
            best = max(s["steps"], key=lambda x: x["held"])
            chk = s.get("mcp_check")
            chk_s = (
                f"yes, {chk['latency_ms']} ms"
                if chk and chk["answered_on_stream"]
                else (f"no (HTTP {chk['post_status']})" if chk else "n/a")
            )
            stop = "-"
            lastd = s["steps"][-1]
            if lastd["held"] < lastd["target"]:
                errs = [
                    " ".join(x.split())
                    for x in s.get("server_log_tail", [])
                    if re.search(r"error|exception|traceback|too many|refus|limit", x, re.I)
                ]
                logt = " / ".join(x[:160] for x in errs[-2:]) if errs else "no error in the server log"
                why = (
                    lastd["first_failure"]
                    or f"none failed: the rest were still opening when the step's time was up ({lastd['open_s']:.0f} s)"
                )[:160]
                stop = (
                    f"at {lastd['held']:,} of {lastd['target']:,}: {lastd['failed']} failed, first: {why}; server "
                    f"{'alive' if s.get('server_alive') else 'DEAD'}; log: {logt}"
                ).replace("|", "/")
            out.append(
                f"| {s['label']} | {'legacy SSE' if s['mode'] == 'legacy' else '2025 GET'} | {s['rss_mb_idle']} | "
                f"{steps} | {best['rss_kb_per_conn']} | {lastd['rss_kb_per_conn_marginal']} | {chk_s} | {stop} |"
            )
        out.append("")
    if widget:
        out.append("#### Widget render in Chromium (bench/widget_render.py)\n")
        out.append(widget.get("method", ""))
        out.append("")
        out.append(
            "| widget | tool | renders | first render after tool result p50 / p95 / max ms | + next frame p50 / p95 ms |"
        )
        out.append("|---|---|---:|---|---|")
        for w in widget.get("widgets", []):
            out.append(
                f"| {w['widget']} | `{w['tool']}` on {w['endpoint']} | {w['n']} | {w['p50_ms']:.1f} / {w['p95_ms']:.1f} / "
                f"{w['max_ms']:.1f} | {w['frame_p50_ms']:.1f} / {w['frame_p95_ms']:.1f} |"
            )
        out.append("")
    return "\n".join(out)


def update_docs(text: str, results: Path) -> None:
    block = f"{MARK_START}\n<!-- raw results: {results.relative_to(ROOT)} (not committed) -->\n\n{text}\n{MARK_END}"
    if DOCS.exists() and MARK_START in DOCS.read_text():
        before, rest = DOCS.read_text().split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        DOCS.write_text(before + block + after)
    else:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(f"# Benchmarks\n\n{block}\n")
    log(f"updated {DOCS}")


# -- profile --------------------------------------------------------------------------------------


def profile(results: Path, tmp: Path) -> None:
    pyspy = shutil.which("py-spy") or str(BIN / "py-spy")
    seconds = int(os.environ.get("BENCH_PROFILE_SECONDS", "20"))
    by_label = {s.label: s for s in LOAD_SERVERS}
    for server in [s for s in LOAD_SERVERS if s.kind.startswith("ours") and ONLY.search(s.label)]:
        log(f"=== profile {server.label}: {server.tool} {server.args} {server.url}")
        running = Running(by_label[server.on] if server.on else server, results / "logs")
        try:
            time.sleep(0.5)
            body, headers = request_files(tmp, server.tool, server.args)
            verify(server.url, body, headers, tmp)
            wrk(server.url, 16, 3, body, headers, tmp / "warm.json")
            pin = ["taskset", "-c", WRK_CPU] if WRK_CPU else []
            env = dict(os.environ, MCP_BODY_FILE=str(body), MCP_HEADERS=headers, WRK_JSON_OUT=str(tmp / "p.json"))
            load = subprocess.Popen(
                [
                    *pin,
                    "wrk",
                    "-t1",
                    "-c16",
                    f"-d{seconds + 4}s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(HERE / "mcp_load.lua"),
                    server.url,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1)
            raw = results / f"profile-{server.label}.txt"
            subprocess.run(
                [
                    *pin,
                    pyspy,
                    "record",
                    "--pid",
                    str(running.pid),
                    "--duration",
                    str(seconds),
                    "--rate",
                    "250",
                    "--threads",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "-o",
                    str(raw),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            load.wait()
            rps = json.loads((tmp / "p.json").read_text())["rps"]
            summary = summarise_profile(
                raw, f"{server.label} (`{server.tool}`) under wrk c=16 ({rps:,.0f} req/s while sampled)"
            )
            (results / f"profile-{server.label}.md").write_text(summary)
            print(summary)
        finally:
            running.stop()


def summarise_profile(path: Path, title: str, top: int = 25) -> str:
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack:
            stacks.append((stack.split(";"), int(n)))
    total = sum(n for _, n in stacks)

    def short(frame: str) -> str:
        m = re.match(r"(.*) \((.*?):\d+\)$", frame)
        if not m:
            return frame
        func, file = m.groups()
        file = re.sub(r".*/site-packages/", "", file)
        file = re.sub(r".*/lib/python3\.\d+/", "stdlib/", file)
        file = re.sub(rf"^{re.escape(str(ROOT))}/", "", file)
        return f"{func} ({file})"

    def package(frame: str) -> str:
        f = short(frame)
        m = re.search(r"\((.*)\)$", f)
        file = m.group(1) if m else f
        if file.startswith("stdlib/"):
            parts = file.split("/")
            return "stdlib " + (parts[1] if len(parts) > 2 else parts[1].removesuffix(".py"))
        return file.split("/")[0].removesuffix(".py")

    self_t: dict[str, int] = {}
    incl: dict[str, int] = {}
    pkg: dict[str, int] = {}
    threads: dict[str, int] = {}
    for frames, samples in stacks:
        thread = frames[0] if frames and frames[0].startswith("thread") else "?"
        threads[thread] = threads.get(thread, 0) + samples
        real = [f for f in frames if "(" in f]
        if not real:
            continue
        leaf = short(real[-1])
        self_t[leaf] = self_t.get(leaf, 0) + samples
        p = package(real[-1])
        pkg[p] = pkg.get(p, 0) + samples
        for f in {short(f) for f in real}:
            incl[f] = incl.get(f, 0) + samples

    def pct(count: int) -> str:
        return f"{100 * count / total:.1f} %"

    out = [f"### Profile: {title}", "", f"{total} samples (py-spy, 250 Hz, non-blocking, all threads).", ""]
    out += ["Samples by thread:", ""] + [f"- {k}: {pct(v)}" for k, v in sorted(threads.items(), key=lambda x: -x[1])]
    out += ["", "Self time by package (leaf frame's package):", "", "| package | self |", "|---|---:|"]
    out += [f"| {k} | {pct(v)} |" for k, v in sorted(pkg.items(), key=lambda x: -x[1])[:15]]
    out += ["", f"Top {top} frames by self time:", "", "| frame | self |", "|---|---:|"]
    out += [f"| `{k}` | {pct(v)} |" for k, v in sorted(self_t.items(), key=lambda x: -x[1])[:top]]
    out += ["", f"Top {top + 15} frames by inclusive time:", "", "| frame | inclusive |", "|---|---:|"]
    out += [f"| `{k}` | {pct(v)} |" for k, v in sorted(incl.items(), key=lambda x: -x[1])[: top + 15]]
    return "\n".join(out) + "\n"


def migrate(results: Path) -> None:
    """A fresh SQLite database for this run (create-target-session writes to it; /mcp2 reads its catalog)."""
    OURS_ENV["SQLITE_PATH"] = str(results / "bench.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(OURS_ENV)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    log(f"migrated {OURS_ENV['SQLITE_PATH']} ({time.monotonic() - t0:.1f} s)")


def raise_fd_limit() -> int:
    """Servers and probes inherit the soft fd limit: raise it to the hard one (15,000 streams need > 15,000 fds)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def widget_render(results: Path) -> Row | None:
    log("=== widget render (bench/widget_render.py)")
    p = subprocess.run(
        [sys.executable, str(HERE / "widget_render.py"), "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    log(p.stderr.strip()[-3000:])
    if p.returncode != 0 or not p.stdout.strip():
        return None
    rendered: Row = json.loads(p.stdout.strip().splitlines()[-1])
    return rendered


def analytics_bench(results: Path) -> Row | None:
    log("=== analytics: event ingest and tool calls with recording on/off (bench/analytics_cost.py)")
    p = subprocess.run([sys.executable, str(HERE / "analytics_cost.py")], capture_output=True, text=True, timeout=900)
    log(p.stderr.strip()[-3000:])
    if p.returncode != 0 or not p.stdout.strip():
        return None
    measured: Row = json.loads(p.stdout.strip().splitlines()[-1])
    return measured


def main() -> int:
    if not shutil.which("wrk"):
        log("wrk is not installed (Debian/Ubuntu: apt-get install -y wrk)")
        return 1
    if os.environ.get("BENCH_REPORT_FROM"):  # re-render the report (and docs) from a finished run's raw results
        src = Path(os.environ["BENCH_REPORT_FROM"]).resolve()

        def jl(name: str) -> list[Row]:
            path = src / name
            return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []

        widget = json.loads((src / "widget.json").read_text()) if (src / "widget.json").exists() else None
        rows = jl("load.jsonl")
        global DURATION, REPS
        REPS = len(rows[0]["runs"]) if rows else REPS
        DURATION = round(rows[0]["runs"][0]["duration_s"]) if rows else DURATION
        text = report(rows, jl("sse.jsonl"), json.loads((src / "versions.json").read_text()), "full", widget)
        (src / "report.md").write_text(text)
        print(text)
        if WRITE_DOCS:
            update_docs(text, src)
        return 0
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = Path(os.environ.get("BENCH_RESULTS", HERE / "results" / stamp)).resolve()
    (results / "logs").mkdir(parents=True, exist_ok=True)
    tmp = results / "tmp"
    tmp.mkdir(exist_ok=True)
    log(f"fd limit (soft = hard) {raise_fd_limit()}; load average {os.getloadavg()}")
    migrate(results)
    if PROFILE:
        profile(results, tmp)
        return 0
    v = versions()
    (results / "versions.json").write_text(json.dumps(v, indent=1))
    t0 = time.monotonic()
    rows, failed = load_all([s for s in LOAD_SERVERS if ONLY.search(s.label)], results, tmp)
    with open(results / "load.jsonl", "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    sse: list[Row] = []
    if RUN_SSE:
        for server in SSE_SERVERS:
            if not ONLY.search(server.label) or server.asgi not in STREAM_ASGI:
                continue
            try:
                s = sse_one(server, results)
            except (RuntimeError, subprocess.SubprocessError) as exc:
                log(f"{server.label}: FAILED: {exc}")
                s = None
            if s is None:
                failed.append(server.label)
                continue
            sse.append(s)
            with open(results / "sse.jsonl", "a") as f:
                f.write(json.dumps(s) + "\n")
    widget = None
    if RUN_WIDGET and ONLY.search("widget"):
        widget = widget_render(results)
        if widget is None:
            failed.append("widget-render")
        else:
            (results / "widget.json").write_text(json.dumps(widget, indent=1))
    if RUN_ANALYTICS and ONLY.search("analytics"):
        measured = analytics_bench(results)
        if measured is None:
            failed.append("analytics")
        else:
            (results / "analytics.json").write_text(json.dumps(measured, indent=1))
    text = report(rows, sse, v, "smoke" if SMOKE else "full", widget)
    (results / "report.md").write_text(text)
    print(text)
    log(f"results in {results} ({time.monotonic() - t0:.0f} s)")
    if WRITE_DOCS and not failed:
        update_docs(text, results)
    if failed:
        log(f"FAILED: {', '.join(dict.fromkeys(failed))}")
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the servers


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main())
