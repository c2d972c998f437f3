"""An MCP server declaration: identity, tools, widgets, resources and prompts, and the methods.

Apps build one ``MCPServer`` in their ``tools.py``; the transports in ``transports/`` hand it
decoded requests. Nothing here knows about HTTP or sessions.
"""

from __future__ import annotations

import base64
import inspect
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from channels.db import aclose_old_connections
from django.core import signing
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

from mcp_engine import auth
from mcp_engine.conf import mcp_settings
from mcp_engine.context import LOG_LEVELS, Context
from mcp_engine.errors import INVALID_PARAMS, METHOD_NOT_FOUND, MCPError, ToolError, rate_limited
from mcp_engine.observability import (
    RATE_LIMITED,
    TOOL_CALLS,
    TOOL_SECONDS,
    ToolCallRecord,
    logger,
    notify_tool_call,
    pseudonym,
)
from mcp_engine.ratelimit import limit_for
from mcp_engine.tools import DEFAULT_VISIBILITY, InputRequired, Tool, ToolResult, tool_annotations, tool_error_result
from mcp_engine.widgets import Widget

UI_EXTENSION = "io.modelcontextprotocol/ui"
SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo"

Handler = Callable[..., Awaitable[Any]]
REQUEST_STATE_MAX_AGE_SECONDS = 600


@dataclass
class Resource:
    uri: str
    name: str
    mime_type: str
    read: Handler
    title: str | None = None
    description: str | None = None

    def listing(self) -> dict[str, Any]:
        entry = {"uri": self.uri, "name": self.name, "mimeType": self.mime_type}
        if self.title:
            entry["title"] = self.title
        if self.description:
            entry["description"] = self.description
        return entry


@dataclass
class ResourceTemplate:
    uri_template: str
    name: str
    mime_type: str
    read: Handler
    description: str | None = None
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.uri_template)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        self.pattern = re.compile(f"^{regex}$")

    def listing(self) -> dict[str, Any]:
        entry = {"uriTemplate": self.uri_template, "name": self.name, "mimeType": self.mime_type}
        if self.description:
            entry["description"] = self.description
        return entry


@dataclass
class Prompt:
    name: str
    description: str
    arguments: list[dict[str, Any]]
    render: Handler
    title: str | None = None

    def listing(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "description": self.description, "arguments": self.arguments}
        if self.title:
            entry["title"] = self.title
        return entry


class MCPServer:
    """One MCP server: declare tools with ``@server.tool(...)`` and widgets with ``server.widget``."""

    def __init__(
        self,
        name: str,
        version: str,
        *,
        title: str | None = None,
        instructions: str = "",
        list_ttl_ms: int = 300_000,
        principal_argument: str | None = None,
        uses_database: bool = True,
        expected_errors: tuple[type[Exception], ...] = (),
    ) -> None:
        self.name = name
        self.version = version
        self.title = title or name
        self.instructions = instructions
        # Lists only change with a deploy, so hosts may cache them; 0 for servers that mutate them.
        self.list_ttl_ms = list_ttl_ms
        # The tool argument that names who is calling (e.g. a session handle): rate limits and
        # logs are kept per principal, and logs only ever show it hashed.
        self.principal_argument = principal_argument
        # Tool calls of a server that uses the database first drop stale connections, as
        # Django does at the start of every request.
        self.uses_database = uses_database
        # The application's own business failures: a tool raising one answers like a ToolError,
        # with the exception's message as the text for the model.
        self.expected_errors = expected_errors
        self.tools: dict[str, Tool] = {}
        self.widgets: list[Widget] = []
        self.resources: dict[str, Resource] = {}
        self.resource_templates: list[ResourceTemplate] = []
        self.prompts: dict[str, Prompt] = {}
        self.completer: Handler | None = None
        self.subscribable_resources = False
        self._lists: dict[str, dict[str, Any]] = {}
        # Tool name -> the server that declared it, for a server made by ``combine``.
        self._owners: dict[str, MCPServer] = {}

    @classmethod
    def combine(
        cls, *servers: MCPServer, name: str, version: str, title: str | None = None, instructions: str = ""
    ) -> MCPServer:
        """One server offering every tool, widget, resource and prompt of ``servers``, so that a
        host adds one connector instead of one per server. Each tool still runs through the server
        that declared it (its principal, rate limit, expected errors and metrics). Names and URIs
        must be unique across them; what the servers declare after this call is not included."""
        combined = cls(
            name,
            version,
            title=title,
            instructions=instructions,
            list_ttl_ms=min(server.list_ttl_ms for server in servers),
            uses_database=any(server.uses_database for server in servers),
        )
        for server in servers:
            _merge(name, server.name, "tool", combined.tools, server.tools)
            _merge(name, server.name, "resource", combined.resources, server.resources)
            _merge(name, server.name, "prompt", combined.prompts, server.prompts)
            combined._owners.update(dict.fromkeys(server.tools, server))
            combined.widgets.extend(server.widgets)
            combined.resource_templates.extend(server.resource_templates)
            combined.subscribable_resources |= server.subscribable_resources
        return combined

    # -- declaration -------------------------------------------------------------------------

    def tool(
        self,
        *,
        name: str,
        title: str,
        read_only: bool,
        destructive: bool,
        idempotent: bool,
        open_world: bool,
        widget: Widget | None = None,
        invoking: str | None = None,
        invoked: str | None = None,
        visibility: tuple[str, ...] = DEFAULT_VISIBILITY,
        input_schema: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        scopes: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a tool. ``scopes``: it needs a principal (a bearer token with these scopes, or the
        principal argument where ``MCP_AUTH`` allows it)."""

        def register(handler: Handler) -> Handler:
            if name in self.tools:
                raise ValueError(f"{self.name} already has a tool named {name}")
            self.tools[name] = Tool(
                name=name,
                title=title,
                description=_docstring(handler),
                handler=handler,
                annotations=tool_annotations(
                    read_only=read_only, destructive=destructive, idempotent=idempotent, open_world=open_world
                ),
                widget=widget,
                invoking=invoking,
                invoked=invoked,
                visibility=visibility,
                raw_input_schema=input_schema,
                extra_meta=meta or {},
                scopes=scopes,
                principal_argument=self.principal_argument,
            )
            self.changed()
            return handler

        return register

    def remove_tool(self, name: str) -> None:
        self.tools.pop(name, None)
        self.changed()

    def widget(self, name: str, *, title: str, description: str, prefers_border: bool = True, **csp: Any) -> Widget:
        widget = Widget(self.name, name, title, description, prefers_border, **csp)
        self.widgets.append(widget)
        return widget

    def resource(
        self,
        uri: str,
        *,
        name: str,
        mime_type: str = "text/plain",
        title: str | None = None,
        description: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(read: Handler) -> Handler:
            self.resources[uri] = Resource(uri, name, mime_type, read, title, description)
            self.changed()
            return read

        return register

    def resource_template(
        self, uri_template: str, *, name: str, mime_type: str = "text/plain", description: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(read: Handler) -> Handler:
            self.resource_templates.append(ResourceTemplate(uri_template, name, mime_type, read, description))
            self.changed()
            return read

        return register

    def prompt(
        self, name: str, *, description: str, arguments: list[dict[str, Any]] | None = None, title: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(render: Handler) -> Handler:
            self.prompts[name] = Prompt(name, description, arguments or [], render, title)
            self.changed()
            return render

        return register

    def completion(self, handler: Handler) -> Handler:
        self.completer = handler
        return handler

    def changed(self) -> None:
        self._lists.clear()

    # -- identity ----------------------------------------------------------------------------

    @property
    def info(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "version": self.version}

    def capabilities(self, *, modern: bool) -> dict[str, Any]:
        caps: dict[str, Any] = {"tools": {"listChanged": True}, "extensions": {UI_EXTENSION: {}}}
        if self.resources or self.resource_templates or self.widgets:
            caps["resources"] = {"listChanged": True, "subscribe": self.subscribable_resources}
        if self.prompts:
            caps["prompts"] = {"listChanged": True}
        if self.completer is not None:
            caps["completions"] = {}
        if not modern:
            caps["logging"] = {}
        return caps

    def discover_result(self) -> dict[str, Any]:
        result = {
            "supportedVersions": list(MODERN_PROTOCOL_VERSIONS),
            "capabilities": self.capabilities(modern=True),
        }
        if self.instructions:
            result["instructions"] = self.instructions
        return result

    def initialize_result(self, protocol_version: str) -> dict[str, Any]:
        result = {
            "protocolVersion": protocol_version,
            "capabilities": self.capabilities(modern=False),
            "serverInfo": self.info,
        }
        if self.instructions:
            result["instructions"] = self.instructions
        return result

    # -- methods -----------------------------------------------------------------------------

    async def handle(self, method: str, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        """The result of one request; raises MCPError for protocol errors."""
        handler = _METHODS.get(method)
        if handler is None or (ctx.modern and method in _LEGACY_ONLY) or (not ctx.modern and method in _MODERN_ONLY):
            raise MCPError(METHOD_NOT_FOUND, f"Method not found: {method}")
        return await handler(self, params, ctx)

    def cached_list(self, kind: str) -> dict[str, Any]:
        listed = self._lists.get(kind)
        if listed is None:
            listed = self._lists[kind] = _LISTS[kind](self)
        return listed

    async def _discover(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return self.discover_result()

    async def _ping(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return {}

    async def _list(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        cursor = params.get("cursor")
        if cursor not in (None, ""):
            raise MCPError(INVALID_PARAMS, "Invalid cursor: this server returns every item on the first page.")
        return self.cached_list(kind)

    async def _tools_list(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return await self._list("tools", params)

    async def _resources_list(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return await self._list("resources", params)

    async def _templates_list(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return await self._list("resourceTemplates", params)

    async def _prompts_list(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return await self._list("prompts", params)

    async def _tools_call(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        name = params.get("name")
        arguments = params.get("arguments")
        if not isinstance(name, str):
            raise MCPError(INVALID_PARAMS, "tools/call needs params.name, the tool to call.")
        owner = self._owners.get(name)
        if owner is not None:
            return await owner._tools_call(params, ctx)
        tool = self.tools.get(name)
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}. Call tools/list for the tools of {self.name}.")
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            raise MCPError(INVALID_PARAMS, "params.arguments must be an object of named arguments.")
        if (
            ctx.principal is not None
            and self.principal_argument
            and self.principal_argument in tool.input_schema.get("properties", {})
        ):
            # The token names the principal; whatever the model passed is not trusted over it.
            arguments = {**arguments, self.principal_argument: ctx.principal.subject}
        principal = arguments.get(self.principal_argument) if self.principal_argument else None
        principal = principal if isinstance(principal, str) and principal else None
        started = time.perf_counter()
        outcome = "internal_error"
        try:
            refused = self._authorize(tool, arguments, ctx)
            result = refused if refused is not None else await self._run_tool(tool, arguments, ctx)
            outcome = (
                "input_required"
                if result.get("resultType") == "input_required"
                else ("tool_error" if result.get("isError") else "ok")
            )
            return result
        except MCPError:
            outcome = "protocol_error"
            raise
        finally:
            elapsed = time.perf_counter() - started
            TOOL_CALLS.labels(self.name, name, outcome).inc()
            TOOL_SECONDS.labels(self.name, name).observe(elapsed)
            logger.info(
                "tool call",
                extra={
                    "request_id": ctx.trace_id,
                    "server": self.name,
                    "tool": name,
                    "outcome": outcome,
                    "duration_ms": round(elapsed * 1000, 2),
                    "principal": pseudonym(principal) if principal else None,
                },
            )
            notify_tool_call(
                ToolCallRecord(
                    server=self.name,
                    tool=name,
                    outcome=outcome,
                    duration_ms=elapsed * 1000,
                    principal=principal,
                    session_id=ctx.session_id,
                    at=time.time(),
                )
            )

    def _authorize(self, tool: Tool, arguments: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
        """None when the call may run; else the tool error to answer (``mixed``), or raises the 403 (``oauth``)."""
        if not tool.scopes or not auth.tokens_accepted():
            return None
        if ctx.principal is not None:
            missing = [scope for scope in tool.scopes if scope not in ctx.principal.scopes]
            if not missing:
                return None
            description = f"{tool.name} needs the scopes {' '.join(tool.scopes)}; the token lacks {' '.join(missing)}."
            value = auth.challenge(ctx.mount, tool.scopes, auth.INSUFFICIENT_SCOPE, description)
            if auth.mode() == auth.OAUTH:
                raise auth.refusal(403, description, value)
        elif self.principal_argument and arguments.get(self.principal_argument):
            return None
        else:
            description = "Link the account (sign in) to use this tool."
            value = auth.challenge(ctx.mount, tool.scopes, auth.INVALID_TOKEN, description)
        text = (
            f"{description} The host can link the account with OAuth; "
            f"otherwise pass a signed-in {self.principal_argument}."
            if self.principal_argument
            else description
        )
        result = tool_error_result(text)
        result["_meta"] = {auth.WWW_AUTHENTICATE_META: [value]}
        return result

    async def _run_tool(self, tool: Tool, arguments: dict[str, Any], ctx: Context) -> dict[str, Any]:
        # Arguments are validated before anything is keyed on them: a principal that is not a valid
        # argument never names a rate-limit counter, and a valid one names it only hashed.
        try:
            kwargs = tool.parse_arguments(arguments)
        except ToolError as exc:
            return tool_error_result(str(exc))
        # Only a tool that declares the principal argument has validated it.
        principal = kwargs.get(self.principal_argument) if self.principal_argument else None
        limit = limit_for(mcp_settings.MCP_RATE_LIMIT_PER_PRINCIPAL)
        if isinstance(principal, str) and principal and limit is not None:
            wait = await limit.hit(f"mcp-principal:{self.name}:{pseudonym(principal)}")
            if wait:
                RATE_LIMITED.labels(self.name, "principal").inc()
                raise rate_limited(wait, f"for this {self.principal_argument}")
        self._open_state(ctx, f"tool:{tool.name}")
        if self.uses_database:
            await aclose_old_connections()
        try:
            if tool.context_param:
                kwargs[tool.context_param] = ctx
            outcome = await tool.handler(**kwargs)
        except ToolError as exc:
            return tool_error_result(str(exc))
        except self.expected_errors as exc:
            return tool_error_result(str(exc))
        if isinstance(outcome, InputRequired):
            return self._input_required(outcome, ctx, f"tool:{tool.name}")
        return _tool_outcome(outcome)

    # requestState goes to the client signed and comes back verified, so handlers can trust it
    # (2026-07-28 MRTR: "treat requestState as attacker-controlled").

    def _input_required(self, outcome: InputRequired, ctx: Context, subject: str) -> dict[str, Any]:
        if not ctx.modern:
            raise MCPError(INVALID_PARAMS, "This request needs input that only 2026-07-28 clients can provide.")
        result = outcome.to_dict()
        if outcome.request_state is not None:
            result["requestState"] = signing.dumps(outcome.request_state, salt=self._state_salt(subject), compress=True)
        return result

    def _open_state(self, ctx: Context, subject: str) -> None:
        if ctx.request_state is None:
            return
        if not isinstance(ctx.request_state, str):
            raise MCPError(INVALID_PARAMS, "requestState must be the string this server sent.")
        try:
            ctx.request_state = signing.loads(
                ctx.request_state, salt=self._state_salt(subject), max_age=REQUEST_STATE_MAX_AGE_SECONDS
            )
        except signing.BadSignature:
            raise MCPError(
                INVALID_PARAMS, "requestState is invalid, tampered with or expired; call again without it."
            ) from None

    def _state_salt(self, subject: str) -> str:
        return f"mcp-request-state:{self.name}:{subject}"

    async def _resources_read(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise MCPError(INVALID_PARAMS, "resources/read needs params.uri.")
        for widget in self.widgets:
            if widget.answers(uri):
                return {"contents": [widget.contents(uri)]}
        resource = self.resources.get(uri)
        if resource is not None:
            return {"contents": [_contents(uri, resource.mime_type, await resource.read())]}
        for template in self.resource_templates:
            match = template.pattern.match(uri)
            if match:
                return {"contents": [_contents(uri, template.mime_type, await template.read(**match.groupdict()))]}
        raise MCPError(INVALID_PARAMS, f"Resource not found: {uri}", {"uri": uri})

    async def _subscribe(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise MCPError(INVALID_PARAMS, "params.uri is required.")
        return {}

    async def _set_level(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        level = params.get("level")
        if level not in LOG_LEVELS:
            raise MCPError(INVALID_PARAMS, f"params.level must be one of {', '.join(LOG_LEVELS)}.")
        return {}

    async def _prompts_get(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        name = params.get("name")
        prompt = self.prompts.get(name) if isinstance(name, str) else None
        if prompt is None:
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name}.")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise MCPError(INVALID_PARAMS, "params.arguments must be an object.")
        missing = [arg["name"] for arg in prompt.arguments if arg.get("required") and arg["name"] not in arguments]
        if missing:
            raise MCPError(INVALID_PARAMS, f"Missing prompt arguments: {', '.join(missing)}.")
        self._open_state(ctx, f"prompt:{prompt.name}")
        outcome = await prompt.render(ctx, **arguments)
        if isinstance(outcome, InputRequired):
            return self._input_required(outcome, ctx, f"prompt:{prompt.name}")
        return {"description": prompt.description, "messages": outcome}

    async def _complete(self, params: dict[str, Any], ctx: Context) -> dict[str, Any]:
        values: list[str] = []
        if self.completer is not None:
            values = await self.completer(params.get("ref") or {}, params.get("argument") or {})
        return {"completion": {"values": values[:100], "total": len(values), "hasMore": len(values) > 100}}


def _tool_outcome(outcome: Any) -> dict[str, Any]:
    if isinstance(outcome, ToolResult):
        return outcome.to_dict()
    if isinstance(outcome, str):
        return {"content": [{"type": "text", "text": outcome}], "isError": False}
    if isinstance(outcome, list):
        return {"content": outcome, "isError": False}
    if isinstance(outcome, BaseModel | dict):
        return ToolResult(outcome).to_dict()
    raise TypeError(f"A tool returned {type(outcome).__name__}; return a ToolResult")


def _contents(uri: str, mime_type: str, body: str | bytes) -> dict[str, Any]:
    if isinstance(body, bytes):
        return {"uri": uri, "mimeType": mime_type, "blob": base64.b64encode(body).decode()}
    return {"uri": uri, "mimeType": mime_type, "text": body}


Named = TypeVar("Named")


def _merge(combined: str, server: str, kind: str, into: dict[str, Named], more: dict[str, Named]) -> None:
    clash = sorted(set(into) & set(more))
    if clash:
        raise ValueError(f"{combined}: {server} repeats the {kind} name(s) {', '.join(clash)}")
    into.update(more)


def _docstring(handler: Handler) -> str:
    return inspect.cleandoc(handler.__doc__ or "")


_LISTS: dict[str, Callable[[MCPServer], dict[str, Any]]] = {
    "tools": lambda s: {"tools": [tool.definition() for tool in s.tools.values()]},
    "resources": lambda s: {
        "resources": [w.listing() for w in s.widgets] + [r.listing() for r in s.resources.values()]
    },
    # Widget URIs are listed as (constant) templates too: some hosts only look there.
    "resourceTemplates": lambda s: {
        "resourceTemplates": [w.template_listing() for w in s.widgets] + [t.listing() for t in s.resource_templates]
    },
    "prompts": lambda s: {"prompts": [p.listing() for p in s.prompts.values()]},
}

_METHODS: dict[str, Callable[[MCPServer, dict[str, Any], Context], Awaitable[dict[str, Any]]]] = {
    "server/discover": MCPServer._discover,
    "ping": MCPServer._ping,
    "logging/setLevel": MCPServer._set_level,
    "tools/list": MCPServer._tools_list,
    "tools/call": MCPServer._tools_call,
    "resources/list": MCPServer._resources_list,
    "resources/read": MCPServer._resources_read,
    "resources/templates/list": MCPServer._templates_list,
    "resources/subscribe": MCPServer._subscribe,
    "resources/unsubscribe": MCPServer._subscribe,
    "prompts/list": MCPServer._prompts_list,
    "prompts/get": MCPServer._prompts_get,
    "completion/complete": MCPServer._complete,
}
KNOWN_METHODS = frozenset(_METHODS) | {"initialize", "subscriptions/listen"}
_MODERN_ONLY = frozenset({"server/discover"})
_LEGACY_ONLY = frozenset({"ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"})
# Results that 2026-07-28 clients may cache, and so must carry ttlMs and cacheScope.
CACHEABLE_METHODS = frozenset(
    {"server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list", "resources/read"}
)
