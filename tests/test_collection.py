"""Test collection finds every app's tests by itself: adding an app edits no list of apps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.liveserver import ROOT

TEST = "def test_it_is_found():\n    pass\n"


def test_a_new_apps_tests_are_collected_and_installed_packages_are_not(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pytest.ini", tmp_path)
    # An app that exists today, and a new one.
    for found in ("auth_mcp/tests/test_tools.py", "gifts_mcp/tests/test_gift_cards.py", "gifts_mcp/test_models.py"):
        (tmp_path / found).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / found).write_text(TEST)
    for ignored in ("tools/node_modules/a-package/test_theirs.py", ".venv/lib/test_theirs.py", "artifacts/test_old.py"):
        (tmp_path / ignored).parent.mkdir(parents=True)
        (tmp_path / ignored).write_text(TEST)

    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-W", "ignore::pytest.PytestConfigWarning"],
        cwd=tmp_path,
        # Collection is pytest's own: the project's plugins (Django, Hypothesis, ...) change nothing in it.
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert collected.returncode == 0, collected.stdout + collected.stderr
    tests = sorted(line for line in collected.stdout.splitlines() if "::" in line)
    assert tests == [
        "auth_mcp/tests/test_tools.py::test_it_is_found",
        "gifts_mcp/test_models.py::test_it_is_found",
        "gifts_mcp/tests/test_gift_cards.py::test_it_is_found",
    ]
