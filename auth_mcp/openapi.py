"""What the OpenAPI schema (drf-spectacular, /api/schema/) says about the widget callbacks beyond
their serializers: the shared error body, the answers every callback can give, and how the demo
reset authenticates. Imported by the views that use it, so the extension below is registered.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


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


class DemoResetTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "auth_mcp.views.DemoResetTokenAuthentication"
    name = "demoResetToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Authorization: Bearer <DEMO_RESET_TOKEN> (set in the server's environment).",
        }
