"""The official conformance suite and the MCP Inspector CLI against a live server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import nodetools
from tests.liveserver import LiveServer

EXPECTED_FAILURES = Path(__file__).with_name("conformance-expected-failures.yml")


@pytest.mark.skipif(not nodetools.installed("conformance"), reason=nodetools.MISSING)
@pytest.mark.parametrize("requirements", ["2025-11-25", "2026-07-28"])
def test_the_conformance_suite_passes_every_required_scenario(
    live: LiveServer, requirements: str, tmp_path: Path
) -> None:
    run = subprocess.run(
        [
            str(nodetools.BIN / "conformance"),
            "server",
            "--url",
            f"{live.url}/mcp-conformance",
            "--requirements",
            requirements,
            "-o",
            str(tmp_path),
        ],
        env=nodetools.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = [line for line in run.stdout.splitlines() if line.startswith(("✗", "Total"))]
    assert run.returncode == 0, "\n".join(summary) + run.stderr[-2000:]
    failed_scored = [
        line for line in summary if line.startswith("✗") and not line.split(":")[0][2:].startswith("tasks-")
    ]
    assert not failed_scored, failed_scored


@pytest.mark.skipif(not nodetools.installed("conformance"), reason=nodetools.MISSING)
def test_only_the_tasks_extension_fails_the_whole_suite(live: LiveServer, tmp_path: Path) -> None:
    run = subprocess.run(
        [
            str(nodetools.BIN / "conformance"),
            "server",
            "--url",
            f"{live.url}/mcp-conformance",
            "--suite",
            "all",
            "--expected-failures",
            str(EXPECTED_FAILURES),
            "-o",
            str(tmp_path),
        ],
        env=nodetools.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


@pytest.mark.skipif(not nodetools.installed("mcp-inspector"), reason=nodetools.MISSING)
def test_the_inspector_cli_lists_and_calls_tools(live: LiveServer, tmp_path: Path) -> None:
    def inspect(*args: str) -> dict[str, Any]:
        run = subprocess.run(
            [
                str(nodetools.BIN / "mcp-inspector"),
                "--cli",
                f"{live.url}/mcp-conformance",
                "--transport",
                "http",
                *args,
            ],
            env={**nodetools.env(), "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return dict(json.loads(run.stdout))

    names = [tool["name"] for tool in inspect("--method", "tools/list")["tools"]]
    assert "test_simple_text" in names
    called = inspect("--method", "tools/call", "--tool-name", "test_simple_text")
    assert called["content"][0]["text"] == "This is a simple text response for testing."
