#!/usr/bin/env python3
"""Helper for bench/run.py (stdlib only).

  mcp_req.py build TOOL ARGS_JSON PROTO BODY_OUT     writes the tools/call body; prints the extra headers
  mcp_req.py check RESPONSE_BODY_FILE HTTP_CODE      exit 0 iff it is a non-error JSON-RPC result; prints a digest

PROTO 2026-07-28 (and later "modern" revisions) adds the per-request _meta envelope to the body and the
Mcp-Method / Mcp-Name headers; 2025-era revisions send a plain tools/call (stateless servers accept it
without initialize; stateful ones would need one first).
"""

import json
import sys

MODERN = {"2026-07-28"}


def build(tool: str, args_json: str, proto: str, body_out: str) -> None:
    params = {"name": tool, "arguments": json.loads(args_json)}
    headers = [f"MCP-Protocol-Version: {proto}"]
    if proto in MODERN:
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": proto,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "mcp-load", "version": "1"},
        }
        headers += ["Mcp-Method: tools/call", f"Mcp-Name: {tool}"]
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    with open(body_out, "w") as f:
        f.write(json.dumps(body, separators=(",", ":")))
    print("\n".join(headers))


def check(path: str, code: str) -> int:
    raw = open(path, "rb").read().decode("utf-8", "replace")
    text = raw
    if raw.lstrip().startswith(("event:", "data:", ":", "id:")):  # SSE-framed response: last data line
        datas = [ln[5:].strip() for ln in raw.splitlines() if ln.startswith("data:")]
        text = datas[-1] if datas else ""
    try:
        msg = json.loads(text)
    except ValueError:
        print(f"FAIL http={code} not JSON: {raw[:200]!r}")
        return 1
    res = msg.get("result") if isinstance(msg, dict) else None
    if code != "200" or "error" in msg or not isinstance(res, dict) or res.get("isError"):
        print(f"FAIL http={code} {text[:300]}")
        return 1
    sc = res.get("structuredContent")
    digest = {
        "http": code,
        "framing": "sse" if text is not raw else "json",
        "bytes": len(raw.encode()),
        "content_blocks": len(res.get("content", [])),
        "text_chars": sum(len(c.get("text", "")) for c in res.get("content", [])),
        "structured_bytes": len(json.dumps(sc, separators=(",", ":"))) if sc is not None else 0,
    }
    print("OK " + json.dumps(digest))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(*sys.argv[2:6])
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
