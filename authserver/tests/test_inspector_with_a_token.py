"""The MCP Inspector CLI, a client of its own, calls a shopper's tool with a bearer header and no sessionId."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from authserver.tests.linking import mint_token
from tests import nodetools
from tests.liveserver import LiveServer


@pytest.mark.skipif(not nodetools.installed("mcp-inspector"), reason=nodetools.MISSING)
def test_the_inspector_cli_checks_out_as_lauren_with_a_bearer_header(oauth_live: LiveServer, tmp_path: Path) -> None:
    token = mint_token(oauth_live, "/mcp3", "cart orders")
    command = [str(nodetools.BIN / "mcp-inspector"), "--cli", f"{oauth_live.url}/mcp3", "--transport", "http"]
    run = subprocess.run(
        [
            *command,
            *("--header", f"Authorization: Bearer {token}"),
            # The value is JSON: a bare 38098260 would arrive as a number.
            *("--method", "tools/call", "--tool-name", "add-to-cart", "--tool-arg", 'productId="38098260"'),
        ],
        env={**nodetools.env(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    called = json.loads(run.stdout)
    assert called["isError"] is False, called
    assert called["structuredContent"]["line"]["productId"] == "38098260"
