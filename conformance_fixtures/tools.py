"""Fixtures for the official MCP conformance suite and the engine's tests, built with the engine.

Mounted at /mcp-conformance only when MCP_CONFORMANCE_FIXTURES=1. Names and texts are the ones the
suite asks for (see docs/conformance-fixtures.md); ``show_test_card`` drives the widget tests.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Annotated, Any

from pydantic import BaseModel, Field

from mcp_engine import Context, InputRequired, MCPServer, ToolError, ToolResult
from mcp_engine.errors import MISSING_REQUIRED_CLIENT_CAPABILITY, MCPError
from mcp_engine.tools import ToolHints
from mcp_engine.transports import broadcast_list_changed

TEST_IMAGE_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
IMAGE = {"type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png"}
NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
CONFIRM_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}

server = MCPServer(
    name="mcp-conformance",
    version="1.0.0",
    title="Conformance fixtures",
    instructions="Test fixtures for the MCP conformance suite and the widget tests.",
    list_ttl_ms=0,
    uses_database=False,
)
server.subscribable_resources = True

plain: ToolHints = {"read_only": True, "destructive": False, "idempotent": True, "open_world": False}


def _elicit(message: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"method": "elicitation/create", "params": {"mode": "form", "message": message, "requestedSchema": schema}}


def _sample(text: str, max_tokens: int) -> dict[str, Any]:
    return {
        "method": "sampling/createMessage",
        "params": {"messages": [{"role": "user", "content": {"type": "text", "text": text}}], "maxTokens": max_tokens},
    }


def _responses(ctx: Context) -> dict[str, Any]:
    responses = ctx.input_responses
    return responses if isinstance(responses, dict) else {}


def _accepted_content(answer: Any) -> dict[str, Any] | None:
    if not (isinstance(answer, dict) and answer.get("action") == "accept"):
        return None
    content = answer.get("content")
    return content if isinstance(content, dict) else None


# -- content ------------------------------------------------------------------------------------


@server.tool(name="test_simple_text", title="Simple text", **plain)
async def test_simple_text() -> str:
    """Tests simple text content response"""
    return "This is a simple text response for testing."


@server.tool(name="test_image_content", title="Image content", **plain)
async def test_image_content() -> list[dict[str, Any]]:
    """Tests image content response"""
    return [IMAGE]


@server.tool(name="test_audio_content", title="Audio content", **plain)
async def test_audio_content() -> list[dict[str, Any]]:
    """Tests audio content response"""
    return [{"type": "audio", "data": TEST_AUDIO_BASE64, "mimeType": "audio/wav"}]


@server.tool(name="test_embedded_resource", title="Embedded resource", **plain)
async def test_embedded_resource() -> list[dict[str, Any]]:
    """Tests embedded resource content response"""
    resource = {
        "uri": "test://embedded-resource",
        "mimeType": "text/plain",
        "text": "This is an embedded resource content.",
    }
    return [{"type": "resource", "resource": resource}]


@server.tool(name="test_multiple_content_types", title="Mixed content", **plain)
async def test_multiple_content_types() -> list[dict[str, Any]]:
    """Tests response with multiple content types (text, image, resource)"""
    resource = {
        "uri": "test://mixed-content-resource",
        "mimeType": "application/json",
        "text": '{"test": "data", "value": 123}',
    }
    return [{"type": "text", "text": "Multiple content types test:"}, IMAGE, {"type": "resource", "resource": resource}]


@server.tool(name="test_error_handling", title="Error handling", **plain)
async def test_error_handling() -> str:
    """Tests error response handling"""
    raise ToolError("This tool intentionally returns an error for testing")


@server.tool(name="test_unexpected_failure", title="Unexpected failure", **plain)
async def test_unexpected_failure() -> str:
    """Fails with a bug, to prove clients get an internal error and no stack trace"""
    raise RuntimeError("secret internal detail that must not leak")


# -- notifications during a call ----------------------------------------------------------------


@server.tool(name="test_tool_with_logging", title="Logging", **plain)
async def test_tool_with_logging(ctx: Context) -> str:
    """Tests tool that emits log messages during execution"""
    for step, text in enumerate(("Tool execution started", "Tool processing data", "Tool execution completed")):
        if step:
            await asyncio.sleep(0.05)
        await ctx.log("info", text)
    return "Tool with logging executed successfully"


@server.tool(name="test_logging_tool", title="Logging (2026)", **plain)
async def test_logging_tool(ctx: Context) -> str:
    """Logs only when the request asks for a log level"""
    await ctx.log("info", "test_logging_tool ran")
    return "Logged if a log level was requested."


@server.tool(name="test_tool_with_progress", title="Progress", **plain)
async def test_tool_with_progress(ctx: Context) -> str:
    """Tests tool that reports progress notifications"""
    for step in (0, 50, 100):
        await ctx.progress(step, 100, f"Completed step {step} of 100")
        if step < 100:
            await asyncio.sleep(0.05)
    return str(ctx.progress_token)


# -- server-to-client requests (handshake era) ----------------------------------------------------


@server.tool(
    name="test_sampling", title="Sampling", read_only=True, destructive=False, idempotent=False, open_world=True
)
async def test_sampling(prompt: str, ctx: Context) -> str:
    """Tests server-initiated sampling (LLM completion request)"""
    result = await ctx.ask("sampling/createMessage", _sample(prompt, 100)["params"])
    content = result.get("content") or {}
    return f"LLM response: {content.get('text', 'No response') if isinstance(content, dict) else 'No response'}"


@server.tool(
    name="test_elicitation", title="Elicitation", read_only=True, destructive=False, idempotent=False, open_world=True
)
async def test_elicitation(message: str, ctx: Context) -> str:
    """Tests server-initiated elicitation (user input request)"""
    schema = {
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "User's response"},
            "email": {"type": "string", "description": "User's email address"},
        },
        "required": ["username", "email"],
    }
    result = await ctx.ask("elicitation/create", {"message": message, "requestedSchema": schema})
    return f"User response: action={result.get('action')}, content={json.dumps(result.get('content') or {})}"


@server.tool(name="test_elicitation_sep1034_defaults", title="Elicitation defaults", **plain)
async def test_elicitation_sep1034_defaults(ctx: Context) -> str:
    """Tests elicitation with default values for all primitive types (SEP-1034)"""
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "John Doe"},
            "age": {"type": "integer", "description": "User age", "default": 30},
            "score": {"type": "number", "description": "User score", "default": 95.5},
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active",
            },
            "verified": {"type": "boolean", "description": "Verification status", "default": True},
        },
    }
    result = await ctx.ask(
        "elicitation/create", {"message": "Please provide user information", "requestedSchema": schema}
    )
    return f"Elicitation result: action={result.get('action')}, content={json.dumps(result.get('content') or {})}"


@server.tool(name="test_elicitation_sep1330_enums", title="Elicitation enums", **plain)
async def test_elicitation_sep1330_enums(ctx: Context) -> str:
    """Tests elicitation with enum schema variations per SEP-1330"""
    schema = {
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string",
                "description": "Simple enum",
                "enum": ["option1", "option2", "option3"],
            },
            "titledSingle": {
                "type": "string",
                "description": "Enum with titled options",
                "oneOf": [
                    {"const": "value1", "title": "First Option"},
                    {"const": "value2", "title": "Second Option"},
                    {"const": "value3", "title": "Third Option"},
                ],
            },
            "untitledMulti": {
                "type": "array",
                "description": "Multi-select without titles",
                "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
            },
            "titledMulti": {
                "type": "array",
                "description": "Multi-select with titled options",
                "items": {
                    "anyOf": [
                        {"const": "value1", "title": "First Choice"},
                        {"const": "value2", "title": "Second Choice"},
                        {"const": "value3", "title": "Third Choice"},
                    ]
                },
            },
            "legacyEnum": {
                "type": "string",
                "description": "Legacy enum with enumNames",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"],
            },
        },
        "required": ["untitledSingle", "titledSingle", "untitledMulti", "titledMulti", "legacyEnum"],
    }
    message = "Please select values using different enum schema types"
    result = await ctx.ask("elicitation/create", {"message": message, "requestedSchema": schema})
    return f"Elicitation completed: action={result.get('action')}, content={json.dumps(result.get('content') or {})}"


@server.tool(name="test_missing_capability", title="Needs sampling", **plain)
async def test_missing_capability(ctx: Context) -> str:
    """Requires the client 'sampling' capability"""
    if not ctx.supports("sampling"):
        raise MCPError(
            MISSING_REQUIRED_CLIENT_CAPABILITY,
            "This tool requires the client 'sampling' capability",
            {"requiredCapabilities": {"sampling": {}}},
        )
    return "Client declared sampling capability; proceeding."


@server.tool(name="test_streaming_elicitation", title="Elicitation without a back channel", **plain)
async def test_streaming_elicitation(ctx: Context) -> str | InputRequired:
    """Asks for input the 2026-07-28 way: an input_required result, never a request on the stream"""
    answer = _accepted_content(_responses(ctx).get("user_name"))
    if answer is not None:
        return f"Hello, {answer.get('name', 'stranger')}!"
    return InputRequired({"user_name": _elicit("What is your name?", NAME_SCHEMA)})


@server.tool(name="test_x_mcp_header", title="Mirrored header", **plain)
async def test_x_mcp_header(
    region: Annotated[
        str,
        Field(description="Mirrored into the Mcp-Param-Region header", json_schema_extra={"x-mcp-header": "Region"}),
    ] = "<none>",
) -> str:
    """Tests SEP-2243 Mcp-Param-* server-side validation"""
    return f"region={region}"


# -- input_required (2026-07-28 MRTR) -------------------------------------------------------------


@server.tool(name="test_input_required_result_elicitation", title="MRTR elicitation", **plain)
async def test_input_required_result_elicitation(ctx: Context) -> str | InputRequired:
    """Tests InputRequiredResult with a single elicitation request"""
    answer = _accepted_content(_responses(ctx).get("user_name"))
    if answer is not None:
        return f"Hello, {answer.get('name', 'stranger')}!"
    return InputRequired({"user_name": _elicit("What is your name?", NAME_SCHEMA)})


@server.tool(name="test_input_required_result_sampling", title="MRTR sampling", **plain)
async def test_input_required_result_sampling(ctx: Context) -> str | InputRequired:
    """Tests InputRequiredResult with a single sampling request"""
    answer = _responses(ctx).get("capital_question")
    if isinstance(answer, dict) and isinstance(answer.get("content"), dict):
        return f"Model said: {answer['content'].get('text', '?')}"
    return InputRequired({"capital_question": _sample("What is the capital of France?", 100)})


@server.tool(name="test_input_required_result_list_roots", title="MRTR roots", **plain)
async def test_input_required_result_list_roots(ctx: Context) -> str | InputRequired:
    """Tests InputRequiredResult with a single roots/list request"""
    answer = _responses(ctx).get("client_roots")
    if isinstance(answer, dict) and isinstance(answer.get("roots"), list):
        return f"Client exposed {len(answer['roots'])} root(s)."
    return InputRequired({"client_roots": {"method": "roots/list"}})


@server.tool(name="test_input_required_result_request_state", title="MRTR request state", **plain)
async def test_input_required_result_request_state(ctx: Context) -> str | InputRequired:
    """Tests requestState round-tripping in the InputRequiredResult flow"""
    if "confirm" in _responses(ctx) and ctx.request_state == "request-state-nonce":
        return "state-ok: confirmation received"
    return InputRequired({"confirm": _elicit("Please confirm", CONFIRM_SCHEMA)}, "request-state-nonce")


@server.tool(name="test_input_required_result_multiple_inputs", title="MRTR several inputs", **plain)
async def test_input_required_result_multiple_inputs(ctx: Context) -> str | InputRequired:
    """Tests InputRequiredResult carrying elicitation, sampling and roots requests together"""
    if {"user_name", "greeting", "client_roots"} <= _responses(ctx).keys():
        return "All inputs received."
    requests = {
        "user_name": _elicit("What is your name?", NAME_SCHEMA),
        "greeting": _sample("Generate a greeting", 50),
        "client_roots": {"method": "roots/list"},
    }
    return InputRequired(requests, "multiple-inputs")


@server.tool(name="test_input_required_result_multi_round", title="MRTR three rounds", **plain)
async def test_input_required_result_multi_round(ctx: Context) -> str | InputRequired:
    """Tests a three-round InputRequiredResult flow with evolving requestState"""
    state = json.loads(ctx.request_state) if ctx.request_state else {"round": 0}
    responses = _responses(ctx)
    first = InputRequired({"step1": _elicit("Step 1: What is your name?", NAME_SCHEMA)}, json.dumps({"round": 1}))
    if state["round"] == 1 and "step1" in responses:
        name = (_accepted_content(responses["step1"]) or {}).get("name")
        color_schema = {"type": "object", "properties": {"color": {"type": "string"}}, "required": ["color"]}
        step2 = {"step2": _elicit("Step 2: What is your favorite color?", color_schema)}
        return InputRequired(step2, json.dumps({"round": 2, "name": name}))
    if state["round"] == 2 and "step2" in responses:
        color = (_accepted_content(responses["step2"]) or {}).get("color")
        return f"{state.get('name')} likes {color}."
    return first


@server.tool(name="test_input_required_result_tampered_state", title="MRTR tampered state", **plain)
async def test_input_required_result_tampered_state(ctx: Context) -> str | InputRequired:
    """Tests that the server rejects a tampered requestState echo"""
    if ctx.request_state is None:
        return InputRequired({"confirm": _elicit("Please confirm", CONFIRM_SCHEMA)}, "round-1")
    return f"state-ok: {ctx.request_state}"


@server.tool(name="test_input_required_result_capabilities", title="MRTR capabilities", **plain)
async def test_input_required_result_capabilities(ctx: Context) -> InputRequired:
    """Tests that inputRequests only include methods the client declared support for"""
    requests: dict[str, Any] = {}
    if ctx.supports("sampling"):
        requests["sample"] = _sample("Say hello", 50)
    if ctx.supports("elicitation"):
        requests["ask"] = _elicit("What is your name?", NAME_SCHEMA)
    return InputRequired(requests or None, "capability-gated")


# -- schemas, list changes ----------------------------------------------------------------------

JSON_SCHEMA_2020_12: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}


@server.tool(name="json_schema_2020_12_tool", title="JSON Schema 2020-12", input_schema=JSON_SCHEMA_2020_12, **plain)
async def json_schema_2020_12_tool(arguments: dict[str, Any]) -> str:
    """Tests JSON Schema 2020-12 keyword preservation in tools/list"""
    return "json_schema_2020_12_tool"


async def _dynamic() -> str:
    """Registered and removed by the list-change triggers."""
    return "dynamic"


@server.tool(name="test_trigger_tool_change", title="Change the tool list", **plain)
async def test_trigger_tool_change() -> str:
    """Mutates the tool list and announces it to subscriptions/listen streams"""
    server.tool(name="test_dynamic_tool", title="Dynamic", **plain)(_dynamic)
    server.remove_tool("test_dynamic_tool")
    await broadcast_list_changed(server, "toolsListChanged")
    return "tool list changed"


@server.tool(name="test_trigger_prompt_change", title="Change the prompt list", **plain)
async def test_trigger_prompt_change() -> str:
    """Mutates the prompt list and announces it to subscriptions/listen streams"""
    await broadcast_list_changed(server, "promptsListChanged")
    return "prompt list changed"


# -- a widget, for the browser tests --------------------------------------------------------------

test_card = server.widget(
    "test-card",
    title="Test card",
    description="A card listing the items of a test result, with follow-up and link buttons.",
)


class TestCard(BaseModel):
    title: str
    items: list[str]


@server.tool(
    name="show_test_card",
    title="Show a test card",
    widget=test_card,
    invoking="Drawing the card…",
    invoked="Card ready",
    **plain,
)
async def show_test_card(
    title: Annotated[str, Field(min_length=1, max_length=200, description="Heading of the card")],
    items: Annotated[list[str], Field(max_length=50, description="Lines to list on the card")] = [],  # noqa: B006
) -> ToolResult[TestCard]:
    """Show a card with a title and a list of items, rendered as a widget."""
    return ToolResult(
        TestCard(title=title, items=items), text=f"Showing a card titled {title!r} with {len(items)} items."
    )


# -- resources and prompts ----------------------------------------------------------------------


@server.resource("test://static-text", name="static-text", mime_type="text/plain")
async def static_text() -> str:
    return "This is the content of the static text resource."


@server.resource("test://static-binary", name="static-binary", mime_type="image/png")
async def static_binary() -> bytes:
    return base64.b64decode(TEST_IMAGE_BASE64)


@server.resource("test://watched-resource", name="watched-resource", mime_type="text/plain")
async def watched_resource() -> str:
    return "Watched resource content"


@server.resource_template("test://template/{id}/data", name="template-data", mime_type="application/json")
async def template_data(id: str) -> str:
    return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})


def _user(content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": content}


@server.prompt("test_simple_prompt", description="A simple prompt without arguments")
async def test_simple_prompt(ctx: Context) -> list[dict[str, Any]]:
    return [_user({"type": "text", "text": "This is a simple prompt for testing."})]


@server.prompt(
    "test_prompt_with_arguments",
    description="A prompt with required arguments",
    arguments=[
        {"name": "arg1", "description": "First argument", "required": True},
        {"name": "arg2", "description": "Second argument", "required": True},
    ],
)
async def test_prompt_with_arguments(ctx: Context, arg1: str, arg2: str) -> list[dict[str, Any]]:
    return [_user({"type": "text", "text": f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"})]


@server.prompt(
    "test_prompt_with_embedded_resource",
    description="A prompt that includes an embedded resource",
    arguments=[{"name": "resourceUri", "description": "URI of the resource to embed", "required": True}],
)
async def test_prompt_with_embedded_resource(ctx: Context, resourceUri: str) -> list[dict[str, Any]]:
    resource = {"uri": resourceUri, "mimeType": "text/plain", "text": "Embedded resource content for testing."}
    return [
        _user({"type": "resource", "resource": resource}),
        _user({"type": "text", "text": "Please process the embedded resource above."}),
    ]


@server.prompt("test_prompt_with_image", description="A prompt that includes image content")
async def test_prompt_with_image(ctx: Context) -> list[dict[str, Any]]:
    return [_user(IMAGE), _user({"type": "text", "text": "Please analyze the image above."})]


@server.prompt("test_input_required_result_prompt", description="Asks the client for context before rendering")
async def test_input_required_result_prompt(ctx: Context) -> list[dict[str, Any]] | InputRequired:
    answer = _accepted_content(_responses(ctx).get("user_context"))
    if answer is not None:
        return [_user({"type": "text", "text": f"Use the following context: {answer.get('context', '?')}"})]
    schema = {"type": "object", "properties": {"context": {"type": "string"}}, "required": ["context"]}
    return InputRequired({"user_context": _elicit("What context should the prompt use?", schema)})


@server.completion
async def complete(ref: dict[str, Any], argument: dict[str, Any]) -> list[str]:
    return []
