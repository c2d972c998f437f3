"""``manage.py startmcpserver NAME``: a new MCP server app, mounted, from ``targetdemo/server_template``.

It lives in the project, not in the engine or the shop core, because what it writes is the
project's: an app wired to the shop core and to sign-in sessions, one line in this project's
``MCP_SERVERS`` and one in its URL conf. The app comes from Django's app template mechanism
(``startapp --template``): ``.py-tpl`` files rendered with the names below, so the template is
never imported, linted or type-checked as the project's own code; the generated app is (see
tests/test_startmcpserver.py).
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import shutil
import subprocess
import sys
from argparse import ArgumentParser
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import ENVIRONMENT_VARIABLE, settings
from django.core.management.base import CommandError
from django.core.management.templates import TemplateCommand
from django.db.migrations.loader import MigrationLoader
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import Resolver404, get_resolver, resolve

from mcp_engine.registry import mounted_servers

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "server_template"
# The sample widget's file in the template; it is renamed after the widget, whose name must be
# unique in the project's one widgets/ template folder.
TEMPLATE_WIDGET = Path("templates/widgets/notes.html")
# Words joined by single underscores, so the tool, widget and URL names made from it read well.
APP_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MOUNT_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
SETTING = "MCP_SERVERS"
CALLBACK_PREFIX = "api/"


@dataclass(frozen=True)
class NewServer:
    """The names of a new server, all derived from its app name."""

    app_name: str
    path: str

    @property
    def slug(self) -> str:
        """gifts_mcp -> gifts: the server's name, and the stem of its tool, widget and callback URL."""
        return self.app_name.removesuffix("_mcp").replace("_", "-")

    @property
    def title(self) -> str:
        return " ".join(word.capitalize() for word in self.slug.split("-"))

    @property
    def class_prefix(self) -> str:
        return self.title.replace(" ", "")

    @property
    def dotted(self) -> str:
        return f"{self.app_name}.tools.server"

    @property
    def tool_name(self) -> str:
        return f"show-{self.slug}-notes"

    @property
    def widget_template(self) -> str:
        return f"widgets/{self.slug}-notes.html"

    @property
    def callback_url(self) -> str:
        return f"/{CALLBACK_PREFIX}{self.slug}/notes"

    @property
    def mount_line(self) -> str:
        return f'"{self.path}": "{self.dotted}",'

    @property
    def include_line(self) -> str:
        return f'path("{CALLBACK_PREFIX}", include("{self.app_name}.urls")),'


class Command(TemplateCommand):
    help = (
        "Create an MCP server app (a typed sample tool with a widget, a DRF callback, a model, admin "
        "and tests) from targetdemo/server_template and mount it in MCP_SERVERS."
    )
    missing_args_message = "Name the new app, e.g. gifts_mcp."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="The app's name: lower case, digits and underscores, e.g. gifts_mcp.")
        parser.add_argument("--path", help="The URL path to mount the server at (default: the next free mcpN).")

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        # The environment names the settings module even where settings are overridden (in tests).
        settings_file = Path(_module_file(os.environ.get(ENVIRONMENT_VARIABLE) or settings.SETTINGS_MODULE))
        urls_file = Path(_module_file(settings.ROOT_URLCONF))
        taken = _taken_paths(settings_file.read_text())
        server = NewServer(options["name"], options["path"] or _next_free_path(taken))
        _refuse_name(server, root)
        _refuse_path(server.path, taken)
        # Both edits are worked out before anything is written, so a refusal leaves no trace.
        mounted = mount_server(settings_file.read_text(), server)
        routed = include_callbacks(urls_file.read_text(), server)

        target = root / server.app_name
        target.mkdir()
        try:
            super().handle(
                "app",
                server.app_name,
                str(target),
                template=str(TEMPLATE_DIR),
                extensions=["py", "html"],
                files=[],
                verbosity=options["verbosity"],
                slug=server.slug,
                title=server.title,
                class_prefix=server.class_prefix,
                path=server.path,
                auth_migration=_latest_migration("auth_mcp"),
            )
            (target / TEMPLATE_WIDGET).rename(target / "templates" / server.widget_template)
            formatted = _format(target, root)
        except BaseException:
            shutil.rmtree(target)
            raise
        settings_file.write_text(mounted)
        urls_file.write_text(routed)
        self._report(server, target, root, settings_file, urls_file, formatted)

    def validate_name(self, name: str, name_or_dir: str = "name") -> None:
        """Done by _refuse_name before the app's directory exists: once it does, it is a module."""

    def _report(
        self, server: NewServer, target: Path, root: Path, settings_file: Path, urls_file: Path, formatted: bool
    ) -> None:
        created = sorted(str(path.relative_to(root)) for path in target.rglob("*") if path.is_file())
        app = server.app_name
        lines = [
            self.style.SUCCESS(f"Created the {server.title} server, app {app}:"),
            *(f"  {path}" for path in created),
            self.style.SUCCESS("Registered it:"),
            f"  {settings_file.relative_to(root)}: {SETTING} += {server.mount_line.rstrip(',')} "
            f"(mounts /{server.path}, installs the app; the playground and the endpoint tests list it)",
            f"  {urls_file.relative_to(root)}: {server.include_line.rstrip(',')} (its widget callback, "
            f"POST {server.callback_url})",
            "Now run:",
            "  python manage.py migrate",
            f"  python -m pytest {app}/tests -q",
            "Then make it yours (by hand):",
            f"  - {app}/tools.py: the server's title and instructions, the widget's description and each tool's "
            "docstring: the model reads them",
            f"  - {app}/models.py, admin.py: the sample Note becomes your data; then makemigrations",
            f"  - {app}/templates/{server.widget_template}, views.py, serializers.py, urls.py: the widget and "
            "its callback",
            f"  - {app}/tests/: tests for what you changed",
        ]
        if not formatted:
            lines.append(f"ruff was not found: run `ruff check --fix {app} && ruff format {app}` to sort its imports.")
        self.stdout.write("\n".join(lines))


def mount_server(source: str, server: NewServer) -> str:
    """The settings source with the server added as the last entry of its ``MCP_SERVERS = {...}``."""
    literal = _assigned(source, SETTING, ast.Dict)
    if not all(_is_str(node) for node in [*literal.keys, *literal.values]):
        raise CommandError(f"{SETTING} holds more than plain strings; add {server.mount_line} to it by hand.")
    added = _append_line(source, literal, [*literal.keys, *literal.values], server.mount_line, SETTING)
    expected = {**ast.literal_eval(literal), server.path: server.dotted}
    if ast.literal_eval(_assigned(added, SETTING, ast.Dict)) != expected:
        raise CommandError(f"Could not add {server.mount_line} to {SETTING}; add it by hand.")
    return added


def include_callbacks(source: str, server: NewServer) -> str:
    """The URL conf source with the app's callbacks included under api/, after the other apps' ones."""
    patterns = _assigned(source, "urlpatterns", ast.List)
    under_api = [element for element in patterns.elts if _includes_under(element, CALLBACK_PREFIX)]
    after = under_api[-1] if under_api else None
    added = _append_line(source, patterns, patterns.elts, server.include_line, "urlpatterns", after=after)
    if len(_assigned(added, "urlpatterns", ast.List).elts) != len(patterns.elts) + 1:
        raise CommandError(f"Could not add {server.include_line} to urlpatterns; add it by hand.")
    return added


def _assigned(source: str, name: str, kind: type[ast.Dict] | type[ast.List]) -> Any:
    """The literal assigned to ``name`` at the top of a module."""
    for statement in ast.parse(source).body:
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if isinstance(statement, ast.Assign | ast.AnnAssign) and any(
            isinstance(target, ast.Name) and target.id == name for target in targets
        ):
            if isinstance(statement.value, kind):
                return statement.value
            raise CommandError(f"{name} is not a {kind.__name__.lower()} written out; add the new entry by hand.")
    raise CommandError(f"No {name} = ... found; add the new entry by hand.")


def _append_line(
    source: str, literal: ast.expr, elements: list[Any], line: str, name: str, after: ast.expr | None = None
) -> str:
    """Insert ``line`` as an element of a literal written one element per line, after ``after`` (by
    default the last element), adding the comma the element before it may lack."""
    lines = source.splitlines(keepends=True)
    opened, _ = _start(literal)
    closed, closed_at = _end(literal)
    closing = lines[closed - 1]
    if opened == closed or closing[: closed_at - 1].strip():
        raise CommandError(f"{name} is not written one entry per line; add {line} to it by hand.")
    last = after or max(elements, key=_end, default=None)
    if last is None:
        lines.insert(closed - 1, " " * (len(closing) - len(closing.lstrip()) + 4) + line + "\n")
        return "".join(lines)
    row, column = _end(last)
    rest = lines[row - 1][column:].strip()
    if rest and not rest.startswith((",", "#")):
        raise CommandError(f"{name} is not written one entry per line; add {line} to it by hand.")
    if not rest.startswith(","):
        lines[row - 1] = lines[row - 1][:column] + "," + lines[row - 1][column:]
    first = lines[_start(last)[0] - 1]
    lines.insert(row, first[: len(first) - len(first.lstrip())] + line + "\n")
    return "".join(lines)


def _start(node: ast.expr) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _end(node: ast.expr) -> tuple[int, int]:
    assert node.end_lineno is not None and node.end_col_offset is not None, "parsed nodes have positions"
    return node.end_lineno, node.end_col_offset


def _is_str(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _includes_under(node: ast.expr, prefix: str) -> bool:
    """True for ``path("<prefix>", include(...))``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "path"
        and len(node.args) == 2
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == prefix
        and isinstance(node.args[1], ast.Call)
        and isinstance(node.args[1].func, ast.Name)
        and node.args[1].func.id == "include"
    )


def _taken_paths(settings_source: str) -> set[str]:
    """Paths mounted now, written in the settings (also under a condition), or used by the URL conf."""
    taken = set(settings.MCP_SERVERS)
    for node in ast.walk(ast.parse(settings_source)):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == SETTING:
            taken.update(_strings([node.slice]))
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Dict)
            and any(isinstance(target, ast.Name) and target.id == SETTING for target in node.targets)
        ):
            taken.update(_strings(node.value.keys))
    taken.update(str(pattern.pattern).split("/")[0] for pattern in get_resolver().url_patterns)
    return taken


def _strings(nodes: list[ast.expr | None] | list[ast.expr]) -> list[str]:
    return [node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _next_free_path(taken: set[str]) -> str:
    number = 2
    while f"mcp{number}" in taken:
        number += 1
    return f"mcp{number}"


def _refuse_name(server: NewServer, root: Path) -> None:
    name = server.app_name
    if not APP_NAME.match(name) or keyword.iskeyword(name):
        raise CommandError(
            f"{name!r} is not a valid app name: use lower-case words of letters and digits joined by single "
            "underscores, e.g. gifts_mcp."
        )
    if (root / name).exists():
        raise CommandError(f"{root / name} already exists.")
    if find_spec(name) is not None or any(config.label == name for config in apps.get_app_configs()):
        raise CommandError(f"{name!r} is already the name of a module or an installed app; choose another name.")
    try:
        get_template(server.widget_template)
    except TemplateDoesNotExist:
        pass
    else:
        raise CommandError(f"A widget template {server.widget_template} exists already; choose another name.")
    for path, mounted in mounted_servers().items():
        if server.tool_name in mounted.tools:
            raise CommandError(f"/{path} has a tool named {server.tool_name} already; choose another name.")
    try:
        match = resolve(server.callback_url)
    except Resolver404:
        return
    # The URL conf's last /api/ pattern answers every unknown API path in JSON: a path that only
    # it matches is free, and the new include goes before it (see include_callbacks).
    if match.url_name == "api-not-found":
        return
    raise CommandError(f"{server.callback_url} is taken in the URL conf; choose another name.")


def _refuse_path(path: str, taken: set[str]) -> None:
    if not MOUNT_PATH.match(path):
        raise CommandError(f"{path!r} is not a valid path: use letters, digits, - and _, e.g. mcp5.")
    if path in taken:
        raise CommandError(f"/{path} is taken (by {SETTING} or the URL conf); choose another with --path.")


def _latest_migration(app_label: str) -> str:
    """The newest migration of an app the new model depends on, for the template's 0001_initial."""
    [(_, name)] = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    return str(name)


def _module_file(module: str) -> str:
    path = import_module(module).__file__
    if path is None:
        raise CommandError(f"Cannot find the file of {module}.")
    return path


def _format(target: Path, root: Path) -> bool:
    """Sort imports and format as the project does (the app's own imports sort by its name); False
    when ruff is not installed, as in a production image."""
    ruff = shutil.which("ruff", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if ruff is None:
        return False
    for command in (["check", "--select", "I", "--fix", "--quiet"], ["format", "--quiet"]):
        subprocess.run([ruff, *command, str(target)], cwd=root, check=True, capture_output=True)
    return True
