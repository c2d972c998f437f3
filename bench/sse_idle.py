#!/usr/bin/env python3
"""sse_idle.py URL --pid SERVER_PID [--mode legacy|get2025] [--steps 1000,2000,5000] [--max-pending 256] [--mcp-check]

Idle stream capacity probe (stdlib only).
  --mode legacy   (default) 2024-11-05 HTTP+SSE: ``GET URL`` (Accept: text/event-stream); a stream counts as
                  held once its first event, the MCP ``endpoint`` event, has arrived.
  --mode get2025  2025 Streamable HTTP: on one keep-alive connection, POST ``initialize`` (2025-11-25) ->
                  ``Mcp-Session-Id``, POST ``notifications/initialized``, then ``GET URL`` with that session,
                  Accept: text/event-stream; held once the 200 response head has arrived.
Streams are opened in steps, at most --max-pending connecting at once (so the probe measures how many streams
a process holds, not how deep its listen backlog is); each keeps reading and discarding (keep-alives). After
each step it records the server's RSS (PID + descendants) and KB per stream. With --mcp-check it then shows the
server still serves while holding them: legacy: POST ``initialize`` to the first stream's endpoint and wait for
the answer on that stream; get2025: POST ``tools/list`` with the first stream's session. Raises its own soft
fd limit to the hard one. Prints one JSON object on stdout. Loopback targets only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proctree import rss_cpu


class Stream:
    def __init__(self) -> None:
        self.endpoint: str | None = None
        self.ready = asyncio.Event()
        self.failed: str | None = None
        self.messages: asyncio.Queue[str] = asyncio.Queue()
        self.writer: asyncio.StreamWriter | None = None


MODERN_INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "sse-idle", "version": "1"}},
}


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status = await reader.readline()
    if not status:
        raise ConnectionError("connection closed before the response")
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(status.split()[1]), headers


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if "chunked" in headers.get("transfer-encoding", ""):
        out = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            out += await reader.readexactly(size + 2)
            if size == 0:
                return out
    return b""


async def exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
    path: str,
    body: bytes,
    headers: dict[str, str],
) -> tuple[int, dict[str, str], bytes]:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json, text/event-stream\r\n{extra}Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status, head = await read_head(reader)
    return status, head, await read_body(reader, head)


async def hold(host: str, port: int, path: str, s: Stream, mode: str = "legacy") -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
        s.writer = writer
        extra = ""
        if mode == "get2025":
            v = {"MCP-Protocol-Version": "2025-11-25"}
            status, head, body = await exchange(reader, writer, host, port, path, json.dumps(MODERN_INIT).encode(), v)
            sid = head.get("mcp-session-id")
            if status != 200 or not sid:
                s.failed = f"initialize: status {status}, session {sid!r}, {body[:120]!r}"
                s.ready.set()
                return
            s.endpoint = sid
            v["Mcp-Session-Id"] = sid
            note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()
            status, head, body = await exchange(reader, writer, host, port, path, note, v)
            if status not in (200, 202):
                s.failed = f"notifications/initialized: status {status}, {body[:120]!r}"
                s.ready.set()
                return
            extra = f"Mcp-Session-Id: {sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n{extra}\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        if b" 200 " not in status_line:
            s.failed = f"status {status_line!r}"
            s.ready.set()
            return
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # response headers
        if mode == "get2025":
            s.ready.set()  # held: the stream is open (the 2025 GET stream sends no first event)
        event = None
        while True:
            line = await reader.readline()
            if not line:
                raise ConnectionError("stream closed by the server")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            # chunked transfer encoding: chunk-size lines are hex only, skip them
            if text and all(c in "0123456789abcdefABCDEF" for c in text):
                continue
            if text.startswith("event:"):
                event = text[6:].strip()
            elif text.startswith("data:"):
                data = text[5:].strip()
                if not s.ready.is_set():
                    s.endpoint = data if event == "endpoint" else None
                    s.ready.set()
                elif event == "message":
                    s.messages.put_nowait(data)
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        if not s.ready.is_set() or s.failed is None:
            s.failed = f"{type(exc).__name__}: {exc}"
        s.ready.set()


async def post(host: str, port: int, path: str, body: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--steps", default="1000,2000,5000")
    ap.add_argument("--mode", choices=("legacy", "get2025"), default="legacy")
    ap.add_argument("--max-pending", type=int, default=256)
    ap.add_argument("--step-timeout", type=float, default=120.0)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--mcp-check", action="store_true")
    a = ap.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    u = urlsplit(a.url)
    host, port, path = u.hostname or "127.0.0.1", u.port or 80, u.path or "/"

    # warm-up: 20 streams opened and closed, so first-request work is not charged per stream
    warm = [Stream() for _ in range(20)]
    wt = [asyncio.create_task(hold(host, port, path, s, a.mode)) for s in warm]
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in warm)), 30)
    for t in wt:
        t.cancel()
    for s in warm:
        if s.writer:
            s.writer.close()
    await asyncio.gather(*wt, return_exceptions=True)
    await asyncio.sleep(a.settle)
    base = rss_cpu(a.pid)[0]
    result: dict[str, Any] = {
        "url": a.url,
        "mode": a.mode,
        "rss_mb_idle": round(base / 1024, 1),
        "steps": [],
        "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    }
    gate = asyncio.Semaphore(a.max_pending)

    async def gated(s: Stream) -> None:
        async with gate:
            task = asyncio.ensure_future(hold(host, port, path, s, a.mode))
            await s.ready.wait()
        await task

    streams: list[Stream] = []
    tasks: list[asyncio.Task[None]] = []
    prev_rss, prev_held = base, 0
    for target in [int(x) for x in a.steps.split(",")]:
        t0 = time.monotonic()
        while len(streams) < target:
            s = Stream()
            streams.append(s)
            tasks.append(asyncio.create_task(gated(s)))
            if len(streams) % 50 == 0:
                await asyncio.sleep(0)
        deadline = t0 + a.step_timeout
        for s in streams:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(s.ready.wait(), left)
            except TimeoutError:
                break
        open_s = time.monotonic() - t0
        await asyncio.sleep(a.settle)
        held = sum(1 for s in streams if s.ready.is_set() and not s.failed and s.endpoint)
        failed = [s.failed for s in streams if s.failed]
        rss = rss_cpu(a.pid)[0]
        step = {
            "target": target,
            "held": held,
            "failed": len(failed),
            "first_failure": failed[0] if failed else None,
            "open_s": round(open_s, 2),
            "rss_mb": round(rss / 1024, 1),
            "rss_kb_per_conn": round((rss - base) / max(held, 1), 1),
            "rss_kb_per_conn_marginal": round((rss - prev_rss) / max(held - prev_held, 1), 1),
        }
        prev_rss, prev_held = rss, held
        result["steps"].append(step)
        print(json.dumps(step), file=sys.stderr, flush=True)
        if held < target:
            break
    if a.mcp_check and a.mode == "get2025" and streams and streams[0].endpoint:
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}).encode()
            code, _h, raw = await asyncio.wait_for(
                exchange(
                    reader,
                    writer,
                    host,
                    port,
                    path,
                    body,
                    {"MCP-Protocol-Version": "2025-11-25", "Mcp-Session-Id": streams[0].endpoint},
                ),
                30,
            )
            writer.close()
            ok = code == 200 and b'"tools"' in raw
            outcome: int | str = code
        except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            outcome, ok = f"{type(exc).__name__}: {exc}", False
        result["mcp_check"] = {
            "post_status": outcome,
            "answered_on_stream": ok,
            "latency_ms": round((time.monotonic() - t0) * 1000, 1),
        }
    elif a.mcp_check and streams and streams[0].endpoint:
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "sse-idle", "version": "1"},
            },
        }
        t0 = time.monotonic()
        code = await post(host, port, streams[0].endpoint, json.dumps(init).encode())
        try:
            msg = await asyncio.wait_for(streams[0].messages.get(), 30)
            ok = '"result"' in msg and '"serverInfo"' in msg
        except TimeoutError:
            ok = False
        result["mcp_check"] = {
            "post_status": code,
            "answered_on_stream": ok,
            "latency_ms": round((time.monotonic() - t0) * 1000, 1),
        }
    for t in tasks:
        t.cancel()
    for s in streams:
        if s.writer:
            s.writer.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
