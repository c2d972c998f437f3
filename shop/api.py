"""The widget callback API's shared parts: the one exception handler, the callback base views and
the request fields every callback reads.

Widgets run in a host's sandboxed iframe and send no cookies: the sessionId in the body is the only
credential, so callbacks use no authentication (and so need no CSRF token). Every answer that is
not a success is `{"error": {"code", "message", "field"}}`: shop errors with their declared code,
status and field; DRF's own failures (validation, malformed JSON, throttling, 404, 405, ...) named
the same way; anything unexpected as a logged 500 that carries only a request id.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from shop.errors import ShopError
from shop.payments.idempotency import IDEMPOTENCY_KEY_HINT, IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN

logger = logging.getLogger(__name__)

SESSION_ID_MAX_LENGTH = 64
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
DEFAULT_THROTTLED_MESSAGE = "Too many requests."

ErrorBody = dict[str, dict[str, str | None]]


def error_body(code: str, message: str, field: str | None = None) -> ErrorBody:
    return {"error": {"code": code, "message": message, "field": field}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every failure of every API view as an error body."""
    if isinstance(exc, ShopError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.field), status=exc.status)
    # Django's own two, as DRF's handler converts them, so they are named like the rest below.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _internal_error(exc, context)
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail)
        response.data = error_body("invalid_input", message, field)
    elif isinstance(exc, exceptions.Throttled):
        # DRF rounds Throttled.wait up to whole seconds (or None) in __init__ and sends it as
        # Retry-After, so the message says that same number; its stubs do not declare it.
        seconds: int | None = exc.wait  # type: ignore[attr-defined]
        wait = "" if seconds is None else f" Try again in {seconds} second{'' if seconds == 1 else 's'}."
        said = getattr(context.get("view"), "throttled_message", DEFAULT_THROTTLED_MESSAGE)
        response.data = error_body("rate_limited", f"{said}{wait}")
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("malformed_json", "The request body is not valid JSON.")
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(str(getattr(exc.detail, "code", None) or exc.default_code), str(exc.detail))
    return response


def _internal_error(exc: Exception, context: dict[str, Any]) -> Response:
    set_rollback()
    request_id = uuid.uuid4().hex
    request = context.get("request")
    logger.error(
        "unexpected error in an API view",
        exc_info=exc,
        extra={"request_id": request_id, "path": getattr(request, "path", None)},
    )
    return Response(
        error_body(
            "internal_error",
            f"Something went wrong on our side. Try again in a moment; if it keeps failing, quote request id "
            f"{request_id}.",
        ),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _first_error(detail: Any, field: str | None = None) -> tuple[str | None, str]:
    if isinstance(detail, dict):
        name, value = next(iter(detail.items()))
        return _first_error(value, None if name == "non_field_errors" else name)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], field)
    return field, str(detail)


class SessionIdField(serializers.CharField):
    """The sessionId a callback acts for, from create-target-session."""

    default_error_messages = {
        "required": "sessionId is missing: pass the sessionId from create-target-session.",
        "blank": "sessionId is empty: pass the sessionId from create-target-session.",
        "max_length": "sessionId is too long to be a session id.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", SESSION_ID_MAX_LENGTH)
        super().__init__(**kwargs)


class SessionSerializer(serializers.Serializer[dict[str, str]]):
    sessionId = SessionIdField()


class IdempotencyKeySerializer(serializers.Serializer[dict[str, str]]):
    """The Idempotency-Key header, validated like a body field so errors name it the same way."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            IDEMPOTENCY_KEY_HEADER: serializers.RegexField(
                IDEMPOTENCY_KEY_PATTERN,
                error_messages={
                    "required": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "null": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "blank": f"Send an {IDEMPOTENCY_KEY_HEADER} header: {IDEMPOTENCY_KEY_HINT}.",
                    "invalid": (
                        f"{IDEMPOTENCY_KEY_HEADER} must be 8 to {IDEMPOTENCY_KEY_MAX_LENGTH} letters, digits, "
                        f"'-', '_', '.' or ':' ({IDEMPOTENCY_KEY_HINT})."
                    ),
                },
            )
        }


def header_data(request: Request) -> dict[str, str]:
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    return {} if key is None else {IDEMPOTENCY_KEY_HEADER: key}


class BodyFieldThrottle(SimpleRateThrottle):
    """Counts requests per value of one validated body field, hashed so raw emails never key the cache."""

    rate_setting: str
    subject: str

    def get_rate(self) -> str:
        return str(getattr(settings, self.rate_setting))

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        value = getattr(view, "throttle_subjects", {}).get(self.subject)
        if not value:
            return None
        ident = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def client_address(request: Request) -> str:
    """The client's address; behind a trusted proxy, the last X-Forwarded-For entry (the one it saw)."""
    if settings.MCP_TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class PerAddressThrottle(SimpleRateThrottle):
    """Counts requests per client address, once their body has validated (a malformed body costs
    nothing worth limiting, and the view checks its throttles again after validation)."""

    rate_setting: str

    def get_rate(self) -> str:
        return str(getattr(settings, self.rate_setting))

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not getattr(view, "throttle_subjects", None):
            return None
        ident = hashlib.sha256(client_address(request).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PerSessionShopThrottle(BodyFieldThrottle):
    scope = "shop_session"
    rate_setting = "SHOP_RATE_PER_SESSION"
    subject = "sessionId"


def _validated(serializer_class: type[Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CallbackView(APIView):
    """Base for widget callbacks: no cookies, one serializer, throttled on validated body fields."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = [PerSessionShopThrottle]
    throttled_message = "Too many requests for this session."
    serializer_class: type[Serializer[Any]] = SessionSerializer
    # True: a widget on any sandbox origin may call it (CORS without credentials). For callbacks
    # that must reach us directly whatever the host's sandbox origin is; any other origin is
    # checked against CORS_ALLOWED_ORIGINS.
    cors_any_origin = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Throttles key on body fields, so they first run (as no-ops) before the body is validated.
        self.throttle_subjects: dict[str, Any] = {}
        super().initial(request, *args, **kwargs)

    def validated(self, request: Request) -> dict[str, Any]:
        """The validated body; throttled on its fields."""
        body = _validated(self.serializer_class, request.data)
        self._throttle_on(request, body)
        return body

    def _throttle_on(self, request: Request, body: dict[str, Any]) -> None:
        self.throttle_subjects = body
        self.check_throttles(request)


def any_origin_for_open_callbacks(sender: object, request: HttpRequest, **kwargs: Any) -> bool:
    """django-cors-headers' ``check_request_enabled``: any origin may call a view that says
    ``cors_any_origin``, as long as CORS never admits credentials (so no cookie rides along)."""
    if getattr(settings, "CORS_ALLOW_CREDENTIALS", False):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(getattr(match.func, "view_class", None), "cors_any_origin", False))


class IdempotentCallbackView(CallbackView):
    """Base for money-moving callbacks: a validated body and an Idempotency-Key header."""

    def validated_with_key(self, request: Request) -> tuple[dict[str, Any], str]:
        """(the validated body, the idempotency key); throttled on the body's fields."""
        body = _validated(self.serializer_class, request.data)
        key: str = _validated(IdempotencyKeySerializer, header_data(request))[IDEMPOTENCY_KEY_HEADER]
        self._throttle_on(request, body)
        return body, key
