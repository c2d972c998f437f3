"""What the OpenAPI schema (drf-spectacular, /api/schema/) says about the widget callbacks beyond
their serializers: the shared error body, the answers every callback can give, and the
Idempotency-Key header of the money-moving ones.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from shop.api import IDEMPOTENCY_KEY_HEADER
from shop.payments.idempotency import IDEMPOTENCY_KEY_HINT, IDEMPOTENCY_KEY_PATTERN


class ErrorDetailSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(help_text="Stable machine-readable reason, e.g. session_not_found.")
    message = serializers.CharField(help_text="What went wrong and what to do, for the shopper or the model.")
    field = serializers.CharField(
        allow_null=True, help_text="The request field (or header) at fault, or null when none is."
    )


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """Every expected failure of the callback API."""

    error = ErrorDetailSerializer()


def error(description: str, code: str, message: str, field: str | None = None) -> OpenApiResponse:
    """An error answer with one example of its body."""
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(
                code, value={"error": {"code": code, "message": message, "field": field}}, response_only=True
            )
        ],
    )


BAD_REQUEST = error(
    "The body is not valid JSON, or a field (or header) is missing or malformed (code invalid_input or "
    "malformed_json); `field` names it.",
    "invalid_input",
    "sessionId is missing: pass the sessionId from create-target-session.",
    "sessionId",
)
SESSION_NOT_FOUND = error(
    "No session has this sessionId (session_not_found).",
    "session_not_found",
    "No session has this sessionId.",
    "sessionId",
)
SESSION_EXPIRED = error(
    "The session expired after being idle (session_expired); start a new one.",
    "session_expired",
    "This session expired. Call create-target-session for a new one.",
    "sessionId",
)
UNSUPPORTED_MEDIA_TYPE = error(
    "The body is not application/json.", "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
)
RATE_LIMITED = error(
    "Too many requests for this session (or email): wait for the Retry-After seconds.",
    "rate_limited",
    "Too many requests for this session. Try again in 30 seconds.",
)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)

# Answers any of the session-keyed callbacks may give besides their own.
COMMON_ERRORS: dict[int, OpenApiResponse] = {
    400: BAD_REQUEST,
    404: SESSION_NOT_FOUND,
    410: SESSION_EXPIRED,
    415: UNSUPPORTED_MEDIA_TYPE,
    429: RATE_LIMITED,
}


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        f"Required: {IDEMPOTENCY_KEY_HINT}. A repeat with the same key answers the first attempt's result "
        "and never charges twice; the same key for a different session or request is refused (409)."
    ),
)


def charge_responses(ok: Any, conflict: OpenApiResponse) -> dict[int, Any]:
    """The answers of a money-moving callback."""
    return {
        200: ok,
        **COMMON_ERRORS,
        402: error(
            "The card on file was declined; nothing was charged.",
            "card_declined",
            "Your card was declined. Nothing was charged and your cart is unchanged.",
        ),
        403: error(
            "The session is not signed in.",
            "not_signed_in",
            "The shopper is not signed in on session ... Call authenticate-target with this sessionId.",
            "sessionId",
        ),
        409: conflict,
    }
