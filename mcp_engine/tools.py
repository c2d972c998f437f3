"""Tool declarations: one typed async function becomes a tool, its schemas and its dispatch.

The input schema comes from the function's parameters (``Annotated[..., Field(...)]`` for
descriptions and limits), the output schema from its ``ToolResult[Model]`` return type, and the
model-facing description from its docstring. Everything is derived once, at declaration.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from mcp_engine import auth
from mcp_engine.errors import ToolError

if TYPE_CHECKING:
    from mcp_engine.widgets import Widget

ModelT = TypeVar("ModelT")

# MCP Apps' ``_meta.ui.visibility``: callable by the model and by widgets unless declared otherwise.
DEFAULT_VISIBILITY = ("model", "app")
VISIBILITIES = frozenset({"model", "app"})


class ToolResult(Generic[ModelT]):
    """What a tool returns: structured data for widgets and the model, plus text for the model.

    ``text`` should tell the model what happened and what it can do next; when it is omitted the
    structured data is sent as JSON text, as the spec advises for older clients. ``meta`` reaches
    only the widget (hosts keep result ``_meta`` out of the model's context).
    """

    __slots__ = ("content", "is_error", "meta", "structured", "text")

    def __init__(
        self,
        structured: ModelT | None = None,
        *,
        text: str | None = None,
        content: list[dict[str, Any]] | None = None,
        meta: dict[str, Any] | None = None,
        is_error: bool = False,
    ) -> None:
        self.structured = structured
        self.text = text
        self.content = content
        self.meta = meta
        self.is_error = is_error

    def to_dict(self) -> dict[str, Any]:
        structured: object = self.structured
        if isinstance(structured, BaseModel):
            structured = structured.model_dump(mode="json", by_alias=True)
        content = list(self.content or [])
        if self.text is not None:
            content.insert(0, {"type": "text", "text": self.text})
        elif not content and structured is not None:
            content.append({"type": "text", "text": json.dumps(structured, ensure_ascii=False)})
        result: dict[str, Any] = {"content": content, "isError": self.is_error}
        if structured is not None:
            result["structuredContent"] = structured
        if self.meta:
            result["_meta"] = self.meta
        return result


class InputRequired:
    """A 2026-07-28 ``input_required`` answer: the client gathers inputs and calls again.

    ``request_state`` must come from ``Context.seal_state`` so a client cannot forge it.
    """

    __slots__ = ("input_requests", "request_state")

    def __init__(self, input_requests: dict[str, dict[str, Any]] | None = None, request_state: str | None = None):
        if not input_requests and request_state is None:
            raise ValueError("InputRequired needs input_requests, request_state or both")
        self.input_requests = input_requests
        self.request_state = request_state

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"resultType": "input_required"}
        if self.input_requests:
            result["inputRequests"] = self.input_requests
        if self.request_state is not None:
            result["requestState"] = self.request_state
        return result


def tool_error_result(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}


def describe_validation_error(exc: ValidationError) -> str:
    """``quantity: Input should be less than or equal to 99`` for each problem, model-readable."""
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "is not a parameter of this tool; remove it"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated titles: they repeat the property names and cost tokens."""
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    for definition in schema.get("$defs", {}).values():
        _clean_schema(definition)
    return schema


@dataclass
class Tool:
    name: str
    title: str
    description: str
    handler: Callable[..., Any]
    annotations: dict[str, bool]
    widget: Widget | None = None
    invoking: str | None = None
    invoked: str | None = None
    visibility: tuple[str, ...] = DEFAULT_VISIBILITY
    raw_input_schema: dict[str, Any] | None = None
    extra_meta: dict[str, Any] = field(default_factory=dict)
    # OAuth scopes a bearer token needs for this tool; a tool with scopes needs a principal.
    scopes: tuple[str, ...] = ()
    # The server's principal argument: a bearer token can supply it, so it is optional then.
    principal_argument: str | None = None
    arguments_model: type[BaseModel] | None = field(init=False, default=None)
    input_schema: dict[str, Any] = field(init=False)
    output_schema: dict[str, Any] | None = field(init=False, default=None)
    context_param: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if not self.visibility or not set(self.visibility) <= VISIBILITIES:
            raise ValueError(f"{self.name}: visibility must be a non-empty subset of {sorted(VISIBILITIES)}")
        hints = get_type_hints(self.handler, include_extras=True)
        fields: dict[str, Any] = {}
        for param in inspect.signature(self.handler).parameters.values():
            hint = hints.get(param.name, Any)
            if _is_context(hint):
                self.context_param = param.name
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (hint, default)
        if self.raw_input_schema is not None:
            # Declared verbatim (e.g. a schema using 2020-12 keywords pydantic would rewrite); the
            # handler then receives the arguments object as it came.
            self.input_schema = self.raw_input_schema
        else:
            self.arguments_model = create_model(
                f"{_pascal(self.name)}Arguments", __config__=ConfigDict(extra="forbid"), **fields
            )
            self.input_schema = _clean_schema(self.arguments_model.model_json_schema())
        output_model = _structured_model(hints.get("return"))
        if output_model is not None:
            self.output_schema = _clean_schema(output_model.model_json_schema())

    def listed_input_schema(self) -> dict[str, Any]:
        """The input schema as listed: a tool with scopes takes its principal from a bearer token too,
        so its principal argument is optional there."""
        required = self.input_schema.get("required")
        if not (self.scopes and auth.tokens_accepted() and self.principal_argument and required):
            return self.input_schema
        if self.principal_argument not in required:
            return self.input_schema
        schema = dict(self.input_schema)
        schema["required"] = [name for name in required if name != self.principal_argument]
        if not schema["required"]:
            del schema["required"]
        return schema

    def parse_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments for the handler; raises ToolError naming each bad field."""
        if self.arguments_model is None:
            return {"arguments": arguments}
        try:
            parsed = self.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolError(f"Invalid arguments for {self.name}: {describe_validation_error(exc)}.") from None
        return {name: getattr(parsed, name) for name in type(parsed).model_fields}

    def definition(self) -> dict[str, Any]:
        """The ``tools/list`` entry, with MCP Apps and ChatGPT keys side by side."""
        meta: dict[str, Any] = dict(self.extra_meta)
        if self.widget is not None or self.visibility != DEFAULT_VISIBILITY:
            # Who may call it (MCP Apps' ui.visibility), and the same in ChatGPT's older keys: a
            # host hides a tool without "model" from the model, and lets only "app" tools be called
            # from widgets.
            meta["ui"] = {"visibility": list(self.visibility)}
            meta["openai/widgetAccessible"] = "app" in self.visibility
            meta["openai/visibility"] = "public" if "model" in self.visibility else "private"
        if self.widget is not None:
            uri = self.widget.uri
            meta["ui"] = {"resourceUri": uri, **meta["ui"]}
            meta["ui/resourceUri"] = uri
            meta["openai/outputTemplate"] = uri
        if self.invoking:
            meta["openai/toolInvocation/invoking"] = self.invoking
        if self.invoked:
            meta["openai/toolInvocation/invoked"] = self.invoked
        entry: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.listed_input_schema(),
            "annotations": {"title": self.title, **self.annotations},
        }
        if self.scopes and auth.tokens_accepted():
            # Top level for the spec's hosts, mirrored in _meta for clients that only read _meta.
            entry["securitySchemes"] = meta["securitySchemes"] = auth.security_schemes(self.scopes)
        if self.output_schema is not None:
            entry["outputSchema"] = self.output_schema
        if meta:
            entry["_meta"] = meta
        return entry


class ToolHints(TypedDict):
    """The behaviour hints ``MCPServer.tool`` requires, for declaring several tools alike with ``**hints``."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool


def tool_annotations(*, read_only: bool, destructive: bool, idempotent: bool, open_world: bool) -> dict[str, bool]:
    return {
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": idempotent,
        "openWorldHint": open_world,
    }


def _is_context(hint: Any) -> bool:
    from mcp_engine.context import Context

    return inspect.isclass(hint) and issubclass(hint, Context)


def _structured_model(hint: Any) -> type[BaseModel] | None:
    if get_origin(hint) is ToolResult:
        (hint,) = get_args(hint)
    if inspect.isclass(hint) and issubclass(hint, BaseModel):
        return hint
    return None


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
