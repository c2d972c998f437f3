"""The five checkout-session operations, once, for both transports: REST (acp.views) and the MCP
binding (acp.tools). Each takes the caller's key, the session id and the request body, validates
the body with its serializer and answers (HTTP status, CheckoutSession body)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from rest_framework.serializers import Serializer

from acp import services
from acp.models import ApiKey, CheckoutSession
from acp.serializers import (
    CancelSessionSerializer,
    CompleteSessionSerializer,
    CreateSessionSerializer,
    SessionChangeSerializer,
    session_body,
)

Body = dict[str, Any]


class Operation(Enum):
    """Each operation with its REST path (the scope of its idempotency keys, whichever transport)."""

    CREATE = "create", "/acp/checkout_sessions"
    GET = "get", "/acp/checkout_sessions/{id}"
    UPDATE = "update", "/acp/checkout_sessions/{id}"
    COMPLETE = "complete", "/acp/checkout_sessions/{id}/complete"
    CANCEL = "cancel", "/acp/checkout_sessions/{id}/cancel"

    def path(self, session_id: str | None) -> str:
        return str(self.value[1]).format(id=session_id)


def validated(serializer: Serializer[Any]) -> Body:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def perform(operation: Operation, api_key: ApiKey, session_id: str | None, payload: Any) -> tuple[int, Body]:
    """Run `operation`; refusals raise `AcpError` or DRF's `ValidationError`."""
    # Only a missing body means "no fields"; `false`, `0` or `[]` are bodies of the wrong type.
    payload = {} if payload is None else payload
    session: CheckoutSession
    if operation is Operation.CREATE:
        session = services.create(api_key, validated(CreateSessionSerializer(data=payload)))
        return 201, session_body(session)
    assert session_id is not None
    if operation is Operation.GET:
        session = services.open_session(api_key, session_id)
    elif operation is Operation.UPDATE:
        session = services.update(api_key, session_id, validated(SessionChangeSerializer(data=payload)))
    elif operation is Operation.COMPLETE:
        session = services.complete(api_key, session_id, validated(CompleteSessionSerializer(data=payload)))
    else:
        validated(CancelSessionSerializer(data=payload))
        session = services.cancel(api_key, session_id)
    return 200, session_body(session)
