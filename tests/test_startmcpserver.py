"""`manage.py startmcpserver`: in a copy of the project, the command creates and mounts an app whose
own tests pass and which the project's checks, migrations, linter and type checker accept; it
refuses, before writing anything, what it cannot create."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from targetdemo.management.commands import startmcpserver
from targetdemo.management.commands.startmcpserver import NewServer, include_callbacks, mount_server
from tests.liveserver import ROOT

# Not the README's example, which a developer may have created in this very tree.
APP = "probe_mcp"
CREATED = [
    f"{APP}/{name}"
    for name in [
        "__init__.py",
        "admin.py",
        "apps.py",
        "migrations/0001_initial.py",
        "migrations/__init__.py",
        "models.py",
        "serializers.py",
        "templates/widgets/probe-notes.html",
        "tests/__init__.py",
        "tests/test_admin.py",
        "tests/test_callback.py",
        "tests/test_models.py",
        "tests/test_tools.py",
        "tools.py",
        "urls.py",
        "views.py",
    ]
]
# What is never part of the project: installed packages, caches, databases, build output.
NOT_PROJECT = (".git", ".venv", "node_modules", "artifacts", "__pycache__", ".*_cache", "*.sqlite3*", "staticfiles")
# A bound on a loaded 2-core machine (mypy starts without a cache), not a timing.
STEP_SECONDS = 600


def project_files() -> list[str]:
    """The project as a clone would have it, with uncommitted work; empty outside a git checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        return []
    return [name for name in listed.stdout.split("\0") if name and (ROOT / name).is_file()]


def copy_project(to: Path) -> None:
    files = project_files() if shutil.which("git") else []
    if not files:
        shutil.copytree(ROOT, to, ignore=shutil.ignore_patterns(*NOT_PROJECT), symlinks=False, dirs_exist_ok=True)
        return
    for name in files:
        (to / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, to / name)


def run(copy: Path, *command: str) -> subprocess.CompletedProcess[str]:
    # The embedded defaults (SQLite, local memory), so that a suite run against shared PostgreSQL
    # or Redis never meets the copy's test database or keys there.
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=STEP_SECONDS)


def succeeded(done: subprocess.CompletedProcess[str]) -> bool:
    return done.returncode == 0


def added_lines(name: str, copy: Path) -> list[str]:
    before = (ROOT / name).read_text().splitlines()
    after = (copy / name).read_text().splitlines()
    diff = list(difflib.unified_diff(before, after, lineterm="", n=0))[2:]
    assert all(line.startswith(("+", "@@")) for line in diff), "\n".join(diff)
    return [line[1:].strip() for line in diff if line.startswith("+")]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with `startmcpserver probe_mcp` run in it."""
    project = tmp_path_factory.mktemp("project")
    copy_project(project)
    created = run(project, sys.executable, "manage.py", "startmcpserver", APP)
    assert succeeded(created), created.stdout + created.stderr
    (project / "startmcpserver.out").write_text(created.stdout)
    return project


def test_it_creates_the_app_mounts_it_and_says_what_it_touched(copy: Path) -> None:
    created = sorted(str(path.relative_to(copy)) for path in (copy / APP).rglob("*") if path.is_file())
    assert created == CREATED

    [mounted] = added_lines("targetdemo/settings.py", copy)
    assert re.fullmatch(rf'"mcp\d+": "{APP}\.tools\.server",', mounted), mounted
    assert added_lines("targetdemo/urls.py", copy) == [f'path("api/", include("{APP}.urls")),']
    said = (copy / "startmcpserver.out").read_text()
    for touched in [*CREATED, "targetdemo/settings.py", "targetdemo/urls.py", "by hand", "instructions"]:
        assert touched in said


@pytest.mark.timeout(STEP_SECONDS)
def test_the_generated_apps_tests_pass(copy: Path) -> None:
    tested = run(copy, sys.executable, "-m", "pytest", f"{APP}/tests", "-q")

    # pytest fails a run that collects no tests, so success means the app's tests ran and passed.
    assert succeeded(tested), tested.stdout + tested.stderr


@pytest.mark.timeout(STEP_SECONDS)
def test_the_system_checks_and_migrations_accept_the_app(copy: Path) -> None:
    checked = run(copy, sys.executable, "manage.py", "check", "--fail-level", "WARNING")
    assert succeeded(checked), checked.stdout + checked.stderr
    migrations = run(copy, sys.executable, "manage.py", "makemigrations", "--check", "--dry-run")
    assert succeeded(migrations), migrations.stdout + migrations.stderr


@pytest.mark.timeout(STEP_SECONDS)
def test_ruff_and_mypy_accept_the_app(copy: Path) -> None:
    tools = Path(sys.executable).parent
    for command in (["ruff", "check", APP], ["ruff", "format", "--check", APP], ["mypy", APP]):
        done = run(copy, str(tools / command[0]), *command[1:])
        assert succeeded(done), done.stdout + done.stderr


@pytest.fixture
def sandbox(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command pointed at copies of the settings and URL conf in a temporary directory, so a
    refusal that failed could never write into the project."""
    for name in ("settings.py", "urls.py"):
        shutil.copy(ROOT / "targetdemo" / name, tmp_path / name)
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(startmcpserver, "_module_file", lambda module: str(tmp_path / f"{module.split('.')[-1]}.py"))
    return tmp_path


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (["Gifts-MCP"], "is not a valid app name"),
        (["class"], "is not a valid app name"),
        (["gifts__mcp"], "is not a valid app name"),
        (["gifts_"], "is not a valid app name"),
        (["auth_mcp"], "already the name of a module or an installed app"),
        (["sessions"], "already the name of a module or an installed app"),
        ([APP, "--path", "mcp4"], "/mcp4 is taken"),
        ([APP, "--path", "mcp-conformance"], "/mcp-conformance is taken"),
        ([APP, "--path", "admin"], "/admin is taken"),
        ([APP, "--path", "mcp/5"], "is not a valid path"),
    ],
)
def test_it_refuses_what_it_cannot_create_before_writing_anything(
    sandbox: Path, arguments: list[str], refusal: str
) -> None:
    before = {path.name: path.read_text() for path in sandbox.iterdir()}

    with pytest.raises(CommandError, match=refusal):
        call_command("startmcpserver", *arguments)

    assert {path.name: path.read_text() for path in sandbox.iterdir()} == before


def test_it_refuses_an_app_whose_directory_exists(sandbox: Path) -> None:
    (sandbox / APP).mkdir()

    with pytest.raises(CommandError, match="already exists"):
        call_command("startmcpserver", APP)

    assert not any((sandbox / APP).iterdir())


GIFTS = NewServer("gifts_mcp", "mcp5")


def test_it_adds_the_entry_to_a_dict_that_lacks_a_trailing_comma() -> None:
    source = 'MCP_SERVERS = {\n    "mcp": "auth_mcp.tools.server"\n}\nOTHER = 1\n'

    assert mount_server(source, GIFTS) == (
        'MCP_SERVERS = {\n    "mcp": "auth_mcp.tools.server",\n    "mcp5": "gifts_mcp.tools.server",\n}\nOTHER = 1\n'
    )


@pytest.mark.parametrize(
    "source",
    [
        'MCP_SERVERS = {"mcp": "auth_mcp.tools.server"}\n',
        "MCP_SERVERS = dict(mcp='auth_mcp.tools.server')\n",
        'MCP_SERVERS = {\n    "mcp": PREFIX + ".tools.server",\n}\n',
        "SERVERS = {}\n",
    ],
    ids=["one-line", "call", "not-a-string", "absent"],
)
def test_it_leaves_a_setting_it_cannot_edit_safely_to_the_reader(source: str) -> None:
    with pytest.raises(CommandError, match="by hand"):
        mount_server(source, GIFTS)


def test_it_includes_the_callbacks_after_the_other_apps_under_api() -> None:
    source = (
        "urlpatterns = [\n"
        '    path("api/", include("auth_mcp.urls")),\n'
        '    path("catalog/", include("search_mcp.urls")),\n'
        "]\n"
    )

    assert include_callbacks(source, GIFTS) == (
        "urlpatterns = [\n"
        '    path("api/", include("auth_mcp.urls")),\n'
        '    path("api/", include("gifts_mcp.urls")),\n'
        '    path("catalog/", include("search_mcp.urls")),\n'
        "]\n"
    )
