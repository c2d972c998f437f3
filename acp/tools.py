"""The ACP MCP binding (docs/mcp-binding.md of the spec): the five checkout-session operations as
tools of the checkout server (/mcp3), each taking `{meta, id, payload}`, where `meta` carries what
the REST headers carry and `payload` is exactly the REST request body. They run the REST code
(`acp.operations`), with the same API-Version, signature and Idempotency-Key rules; a refusal is a
JSON-RPC error -32000 whose `data` is the protocol's error object.

The MCP endpoint has no per-request Authorization (the binding leaves auth to the connection), so
calls act as one key, "MCP binding (/mcp3)", which staff can revoke in the admin like any other.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from channels.db import database_sync_to_async
from pydantic import BaseModel, ConfigDict, Field
from rest_framework.exceptions import ValidationError

from acp.models import ApiKey
from acp.operations import Operation, perform
from acp.protocol import (
    AcpError,
    Replay,
    canonical,
    check_api_version,
    check_signature,
    claim,
    settle,
    validation_error,
)
from checkout_mcp.tools import server
from mcp_engine import MCPError
from shop.errors import ShopError
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH

ACP_ERROR = -32000


class Meta(BaseModel):
    """Protocol metadata, the REST headers as fields. Unknown fields are ignored, as the binding asks."""

    model_config = ConfigDict(extra="allow")

    api_version: str = Field(description='The ACP version, from /.well-known/acp.json, e.g. "2026-04-17".')
    idempotency_key: str | None = Field(
        None,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="A new UUID per logical attempt; send the same one to retry it safely.",
    )
    request_id: str | None = Field(None, description="A correlation id.")
    signature: str | None = Field(None, description="Request signature, when the merchant requires signing.")
    timestamp: str | None = Field(None, description="RFC 3339 time of the signature.")


SessionId = Annotated[str, Field(description="The checkout session's id, from create_checkout_session.")]
Payload = Annotated[dict[str, Any], Field(description="The REST request body of this operation, unchanged.")]


def run(operation: Operation, meta: Meta, session_id: str | None, payload: dict[str, Any] | None) -> dict[str, Any]:
    """One operation, as the REST view would run it, answering the session or raising MCPError."""
    try:
        api_key = ApiKey.objects.mcp_binding()
        if api_key.revoked_at is not None:
            raise AcpError("The MCP binding's key was revoked by the merchant.", code="unauthorized", status=401)
        check_api_version(meta.api_version)
        check_signature(meta.timestamp, meta.signature, canonical_bytes(payload))
        if operation is Operation.GET or not meta.idempotency_key:
            return answered(*perform(operation, api_key, session_id, payload))
        record = claim(api_key, operation.path(session_id), meta.idempotency_key, canonical_bytes(payload))
        try:
            status, body = perform(operation, api_key, session_id, payload)
        except (AcpError, ValidationError, ShopError) as refused:
            failure = as_acp_error(refused)
            status, body = failure.status, failure.body()
        except BaseException:
            settle(record, 500, None)
            raise
        settle(record, status, body)
        return answered(status, body)
    except Replay as replay:
        return answered(replay.record.status_code or 200, replay.record.body)
    except (AcpError, ValidationError, ShopError) as refused:
        failure = as_acp_error(refused)
        raise MCPError(ACP_ERROR, failure.message, failure.body()) from None


def canonical_bytes(payload: dict[str, Any] | None) -> bytes:
    """What a signature covers over MCP: the payload's canonical JSON (there are no raw bytes)."""
    return b"" if payload is None else canonical(json.dumps(payload).encode()).encode()


def as_acp_error(refused: Exception) -> AcpError:
    if isinstance(refused, ValidationError):
        return validation_error(refused.detail)
    if isinstance(refused, ShopError):
        return AcpError(refused.message, code=refused.code, status=refused.status)
    assert isinstance(refused, AcpError)
    return refused


def answered(status: int, body: Any) -> dict[str, Any]:
    if status >= 400:
        raise MCPError(ACP_ERROR, str(body.get("message", "")), body)
    return dict(body)


async def call(
    operation: Operation, meta: Meta, session_id: str | None, payload: dict[str, Any] | None
) -> dict[str, Any]:
    answer: dict[str, Any] = await database_sync_to_async(run)(operation, meta, session_id, payload)
    return answer


@server.tool(
    name="create_checkout_session",
    title="Create an ACP checkout session",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
)
async def create_checkout_session(meta: Meta, payload: Payload) -> dict[str, Any]:
    """ACP: create a checkout session (POST /checkout_sessions). `payload` is a CheckoutSessionCreateRequest:
    `line_items` [{id}] by product id (one unit per entry), optional `buyer` and `fulfillment_details`.
    Answers the authoritative CheckoutSession."""
    return await call(Operation.CREATE, meta, None, payload)


@server.tool(
    name="get_checkout_session",
    title="Get an ACP checkout session",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
)
async def get_checkout_session(meta: Meta, id: SessionId) -> dict[str, Any]:
    """ACP: the current state of a checkout session (GET /checkout_sessions/{id})."""
    return await call(Operation.GET, meta, id, None)


@server.tool(
    name="update_checkout_session",
    title="Update an ACP checkout session",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
)
async def update_checkout_session(meta: Meta, id: SessionId, payload: Payload) -> dict[str, Any]:
    """ACP: change items, buyer, fulfillment details or the selected fulfillment option
    (POST /checkout_sessions/{id}); fields left out stay as they are."""
    return await call(Operation.UPDATE, meta, id, payload)


@server.tool(
    name="complete_checkout_session",
    title="Complete an ACP checkout session",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
)
async def complete_checkout_session(meta: Meta, id: SessionId, payload: Payload) -> dict[str, Any]:
    """ACP: pay with a delegated payment token and place the order (POST /checkout_sessions/{id}/complete).
    `payload.payment_data` names handler `card_tokenized` and the token. Send meta.idempotency_key."""
    return await call(Operation.COMPLETE, meta, id, payload)


@server.tool(
    name="cancel_checkout_session",
    title="Cancel an ACP checkout session",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
)
async def cancel_checkout_session(
    meta: Meta,
    id: SessionId,
    payload: Payload | None = None,
) -> dict[str, Any]:
    """ACP: cancel a session that is not completed (POST /checkout_sessions/{id}/cancel)."""
    return await call(Operation.CANCEL, meta, id, payload)
