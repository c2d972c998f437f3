#!/usr/bin/env python3
"""bench/widget_render.py -- how long a widget takes to render in Chromium once its tool result arrives.

    .venv/bin/python bench/widget_render.py [--renders 20] [--warmup 3] [--results DIR]

Starts our app alone under uvicorn (MCP_CONFORMANCE_FIXTURES=1, DEBUG=1, a migrated SQLite database in the results
dir, rate limits off), opens /playground/ in headless Chromium (/usr/bin/chromium, Playwright) and, per widget,
drives ``window.__playground`` to call the tool N times (after a few warm-up calls): each call mounts a fresh
sandboxed widget frame, exactly as a user's call in the playground does.

Method (all timestamps are ``performance.now()`` inside the widget frame, so no cross-frame clock is involved):
a Playwright init script in the playground page wraps the iframe ``srcdoc`` setter so that a measurement script
is the first script of every widget document the playground mounts (the widget CSP allows inline scripts; Playwright's
own init scripts are not reliably run before a srcdoc frame's scripts). In the widget frame that script installs
  * a capture-phase ``message`` listener on ``window`` (registered before the widget runtime's own listener, so it
    runs first): when ``ui/notifications/tool-result`` arrives from the parent it records t0 (the frame received
    the result) -- the event is already deserialised at this point;
  * a ``MutationObserver`` on the document for ``aria-busy``: the widgets set ``aria-busy="false"`` on <main> at
    the start of their result handler and render synchronously in the same task, and the observer's callback runs
    at the microtask checkpoint after that task, so it records t1 = DOM rendered (handler finished);
  * then ``requestAnimationFrame`` + a MessageChannel message, which fires right after the frame that shows the
    new DOM has been produced: t2 = first rendered frame.
It posts {t0, t1, t2} to the parent page (not a JSON-RPC message, so the playground ignores it), where the script
collects them. Reported: t1 - t0 ("first render", the target's figure) and t2 - t0 (+ next frame). Images of the
carousel load later from the network and are not part of the first render. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_WIDGET_PORT", "8641"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDGETS = [  # (widget, endpoint, tool, args)
    ("test-card", "/mcp-conformance", "show_test_card", {"title": "Bench card", "items": ["one", "two", "three"]}),
    ("product-carousel", "/mcp2", "search-target-products", {"query": "fitbit"}),
]

# Runs inside every widget frame, before the widget's own scripts (see INIT_SCRIPT for how it gets there).
FRAME_SCRIPT = r"""
(() => {
  let t0 = null, done = false;
  window.__benchInit = { t0: () => t0, done: () => done };
  window.addEventListener("message", (e) => {
    const m = e.data;
    if (e.source === window.parent && m && m.jsonrpc === "2.0" && m.method === "ui/notifications/tool-result" && t0 === null) {
      t0 = performance.now();
    }
  }, true);
  new MutationObserver((records) => {
    if (done || t0 === null) return;
    for (const r of records) {
      if (r.target.tagName === "MAIN" && r.target.getAttribute("aria-busy") === "false") {
        done = true;
        const t1 = performance.now();
        const widget = (document.body && document.body.dataset.widget) || document.title;
        window.parent.postMessage({ __benchRender: { t0, t1, widget } }, "*");
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => window.parent.postMessage({ __benchFrame: { t0, t2: performance.now() } }, "*");
          ch.port2.postMessage(0);
        });
        return;
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
})();
"""

# Runs in the playground page before its scripts (Playwright init scripts are reliable for the main frame, not for
# srcdoc child frames): collects the frames' reports, and wraps the iframe `srcdoc` setter so that FRAME_SCRIPT is
# the first script of every widget document the playground mounts (its CSP allows inline scripts).
INIT_SCRIPT = r"""
(() => {
  if (window !== window.top) return;
  window.__renders = [];
  window.addEventListener("message", (e) => {
    if (e.data && e.data.__benchRender) window.__renders.push(e.data.__benchRender);
    if (e.data && e.data.__benchFrame) {
      const r = window.__renders.find((x) => x.t0 === e.data.__benchFrame.t0 && x.t2 === undefined);
      if (r) r.t2 = e.data.__benchFrame.t2;
    }
  });
  const tag = "<script>" + FRAME_SCRIPT + "</" + "script>";
  const desc = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, "srcdoc");
  Object.defineProperty(HTMLIFrameElement.prototype, "srcdoc", {
    configurable: true, enumerable: desc.enumerable, get: desc.get,
    set(html) {
      const head = /<head(\s[^>]*)?>/i.exec(html);
      desc.set.call(this, head ? html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length) : tag + html);
    },
  });
})();
""".replace("FRAME_SCRIPT", json.dumps(FRAME_SCRIPT))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--renders", type=int, default=int(os.environ.get("BENCH_WIDGET_RENDERS", "20")))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--results", default=None)
    a = ap.parse_args()
    results = Path(a.results or tempfile.mkdtemp(prefix="widget-render-"))
    (results / "logs").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "targetdemo.settings",
            "MCP_CONFORMANCE_FIXTURES": "1",
            "DEBUG": "1",
            "SECRET_KEY": "bench-" + secrets.token_hex(24),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "MCP_RATE_LIMIT_PER_ADDRESS": "0",
            "MCP_RATE_LIMIT_PER_PRINCIPAL": "0",
            "SQLITE_PATH": str(results / "widget.sqlite3"),
        }
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    if port_open(PORT):
        log(f"port {PORT} is in use")
        return 1
    logfile = open(results / "logs" / "widget-server.log", "w")
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "--no-access-log",
            "--log-level",
            "warning",
            "--lifespan",
            "off",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "targetdemo.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open(PORT):
            if server.poll() is not None or time.monotonic() > deadline:
                log("server did not come up; see " + logfile.name)
                return 1
            time.sleep(0.1)
        from playwright.sync_api import sync_playwright

        out: dict[str, Any] = {"widgets": [], "loadavg": os.getloadavg()[0]}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            out["chromium"] = browser.version
            context = browser.new_context(viewport={"width": 1280, "height": 2400})
            context.add_init_script(INIT_SCRIPT)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{PORT}/playground/")
            page.wait_for_function("() => window.__playground !== undefined")
            for widget, endpoint, tool, args in WIDGETS:
                page.evaluate("(p) => window.__playground.selectEndpoint(p)", endpoint)
                samples = []
                for i in range(a.warmup + a.renders):
                    before = page.evaluate("() => window.__renders.length")
                    page.evaluate("([t, a]) => window.__playground.callTool(t, a)", [tool, args])
                    try:
                        page.wait_for_function(f"() => window.__renders.length > {before}", timeout=30_000)
                    except Exception:
                        kinds = page.evaluate(
                            "() => window.__playground.transcript.map(e => e.kind + ': ' + e.summary)"
                        )
                        log("no render recorded; transcript tail: " + json.dumps(kinds[-8:]))
                        log("frames: " + json.dumps([f.url for f in page.frames]))
                        for f in page.frames[1:]:
                            log(
                                "frame state: "
                                + json.dumps(
                                    f.evaluate(
                                        "() => [typeof window.__benchInit, window.__benchInit && window.__benchInit.t0(), "
                                        "window.__benchInit && window.__benchInit.done(), document.querySelector('main') && "
                                        "document.querySelector('main').getAttribute('aria-busy')]"
                                    )
                                )
                            )
                        raise
                    try:  # the frame that shows it (rAF runs only for a visible frame: the viewport is tall)
                        page.wait_for_function(
                            "() => window.__renders[window.__renders.length - 1].t2 !== undefined", timeout=2_000
                        )
                    except Exception:
                        log("no animation frame within 2 s after the render")
                    r = page.evaluate("() => window.__renders[window.__renders.length - 1]")
                    if i >= a.warmup:
                        samples.append(r)
                first = [r["t1"] - r["t0"] for r in samples]
                frame = [r["t2"] - r["t0"] for r in samples if r.get("t2") is not None] or [float("nan")]
                row = {
                    "widget": widget,
                    "endpoint": endpoint,
                    "tool": tool,
                    "n": len(samples),
                    "p50_ms": statistics.median(first),
                    "p95_ms": pct(first, 95),
                    "max_ms": max(first),
                    "frame_p50_ms": statistics.median(frame),
                    "frame_p95_ms": pct(frame, 95),
                    "handler_p50_ms": statistics.median(first),
                    "samples_ms": [round(x, 2) for x in first],
                }
                log(
                    f"{widget}: first render p50 {row['p50_ms']:.1f} ms p95 {row['p95_ms']:.1f} ms max {row['max_ms']:.1f}; "
                    f"+frame p50 {row['frame_p50_ms']:.1f} p95 {row['frame_p95_ms']:.1f}"
                )
                out["widgets"].append(row)
            browser.close()
        out["method"] = (
            f"Headless Chromium {out['chromium']} (Playwright, `/usr/bin/chromium`), our app under uvicorn, "
            f"{a.renders} renders per widget after {a.warmup} warm-up ones, each a fresh sandboxed frame mounted by "
            "`window.__playground.callTool`. Clock: `performance.now()` inside the widget frame. t0 = the frame's "
            "capture-phase `message` listener (a script the bench prepends to the widget document, by wrapping the iframe "
            "`srcdoc` setter in the host page, so it runs before the widget's own scripts) "
            'sees `ui/notifications/tool-result`; t1 = a `MutationObserver` sees `<main aria-busy="false">` (the '
            "widgets set it at the start of their synchronous render; the observer runs after that task, so t1 is "
            "the end of the render); t2 = `requestAnimationFrame` then a MessageChannel message, i.e. right after the "
            'next frame is produced. "First render" = t1 - t0. Machine load average at start: '
            f"{out['loadavg']:.1f}."
        )
        print(json.dumps(out))
        return 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        logfile.close()


if __name__ == "__main__":
    sys.exit(main())
