"""Configuration comes from the environment, and a bad value stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.liveserver import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-test-only-secret-key-that-is-long-enough-for-django-check-deploy-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    "PUBLIC_BASE_URL": "https://shop.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/shop"),
        ("REDIS_URL", "memcached://localhost"),
        ("MCP_ALLOWED_ORIGINS", "chatgpt.com"),
        ("PUBLIC_BASE_URL", "not a url"),
        ("MCP_MAX_BODY_BYTES", "lots"),
        ("MCP_RATE_LIMIT_PER_PRINCIPAL", "many"),
        ("MCP_RATE_LIMIT_PER_SHOPPER", "100 per minute"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    run = manage("check", **{variable: value})
    assert run.returncode != 0
    assert variable in run.stderr
    assert "Traceback" not in run.stderr.splitlines()[-1]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_needs_its_secrets_from_the_environment(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    run = manage("check", **env)
    assert run.returncode != 0
    assert missing in run.stderr


def test_production_settings_pass_the_deploy_checks() -> None:
    run = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("env", "limit"),
    [
        ({"MCP_RATE_LIMIT_PER_SHOPPER": "8/60"}, "8/60"),
        ({"MCP_RATE_LIMIT_PER_SHOPPER": "8/60", "MCP_RATE_LIMIT_PER_PRINCIPAL": "9/60"}, "9/60"),
    ],
    ids=["old-name", "new-name-wins"],
)
def test_the_per_session_limit_is_read_under_its_new_and_its_old_name(env: dict[str, str], limit: str) -> None:
    code = "from mcp_engine.conf import mcp_settings; print(mcp_settings.MCP_RATE_LIMIT_PER_PRINCIPAL)"
    run = manage("shell", "-v", "0", "-c", code, **env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == limit
