"""Callbacks the sign-in widget posts to, and the demo reset.

The widget runs in a host's sandboxed iframe and sends no cookies: the sessionId in the body is
the only credential, so these views use no authentication (and so need no CSRF token). The
reset view is the exception; see DemoResetView.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, status
from rest_framework import serializers as drf_serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView, exception_handler

from auth_mcp import services
from auth_mcp.models import ShopperSession, SignInError
from auth_mcp.openapi import COMMON_ERRORS, RETRY_AFTER, error
from auth_mcp.serializers import (
    AuthenticateSerializer,
    SessionStatusSerializer,
    SignInCodeSentSerializer,
    VerifySerializer,
)

# HTTP status for each SignInError code; anything unlisted is a plain 400.
SIGN_IN_ERROR_STATUS = {
    "session_not_found": status.HTTP_404_NOT_FOUND,
    "session_expired": status.HTTP_410_GONE,
    "invalid_credentials": status.HTTP_401_UNAUTHORIZED,
    "already_signed_in": status.HTTP_409_CONFLICT,
    "no_code_pending": status.HTTP_409_CONFLICT,
    "wrong_code": status.HTTP_400_BAD_REQUEST,
    "code_expired": status.HTTP_410_GONE,
    "too_many_attempts": status.HTTP_403_FORBIDDEN,
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, dict[str, str | None]]:
    return {"error": {"code": code, "message": message, "field": field}}


def sign_in_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every expected failure as {"error": {code, message, field}}; unexpected ones stay 500s."""
    if isinstance(exc, SignInError):
        return Response(
            error_body(exc.code, exc.message, exc.field),
            status=SIGN_IN_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail)
        response.data = error_body("invalid_input", message, field)
    elif isinstance(exc, exceptions.Throttled):
        wait = f" Try again in {int(exc.wait) + 1} seconds." if exc.wait is not None else ""
        response.data = error_body("rate_limited", f"Too many sign-in requests.{wait}")
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("malformed_json", "The request body is not valid JSON.")
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(str(getattr(exc.detail, "code", None) or exc.default_code), str(exc.detail))
    return response


def _first_error(detail: Any, field: str | None = None) -> tuple[str | None, str]:
    if isinstance(detail, dict):
        name, value = next(iter(detail.items()))
        return _first_error(value, None if name == "non_field_errors" else name)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], field)
    return field, str(detail)


class SignInThrottle(SimpleRateThrottle):
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


class PerSessionThrottle(SignInThrottle):
    scope = "sign_in_session"
    rate_setting = "SIGN_IN_RATE_PER_SESSION"
    subject = "sessionId"


class PerEmailThrottle(SignInThrottle):
    scope = "sign_in_email"
    rate_setting = "SIGN_IN_RATE_PER_EMAIL"
    subject = "email"


class SignInCallbackView(APIView):
    """Base for the widget callbacks: no cookies, one serializer, throttled on validated fields."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes = [PerSessionThrottle]
    serializer_class: type[Serializer[Any]]

    def get_exception_handler(self) -> Any:
        return sign_in_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Throttles key on body fields, so they first run (as no-ops) before the body is validated.
        self.throttle_subjects: dict[str, Any] = {}
        super().initial(request, *args, **kwargs)

    def validated(self, request: Request) -> dict[str, Any]:
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.throttle_subjects = dict(serializer.validated_data)
        self.check_throttles(request)
        return dict(serializer.validated_data)


class AuthenticateView(SignInCallbackView):
    """Check email and password, then text a one-time code to the shopper's phone."""

    serializer_class = AuthenticateSerializer
    throttle_classes = [PerSessionThrottle, PerEmailThrottle]

    @extend_schema(
        operation_id="session_authenticate",
        tags=["sign-in"],
        request=AuthenticateSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: SignInCodeSentSerializer,
            **COMMON_ERRORS,
            401: error(
                "The email and password do not match a shopper.",
                "invalid_credentials",
                "That email and password don't match a Target account.",
                "password",
            ),
            403: error(
                "Too many wrong codes on this session.",
                "too_many_attempts",
                "Too many wrong codes. Start over with create-target-session.",
                "code",
            ),
            409: error("The session is already signed in.", "already_signed_in", "This session is already signed in."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.validated(request)
        session = ShopperSession.objects.get_live(data["sessionId"])
        issued = services.start_sign_in(session, data["email"], data["password"])
        body: dict[str, Any] = {
            "sessionId": session.handle,
            "state": session.state,
            "sentTo": issued.sent_to,
            "expiresAt": issued.expires_at,
        }
        if settings.DEMO_MODE:
            body["demo_code"] = issued.code
        return Response(SignInCodeSentSerializer(body).data)


class VerifyView(SignInCallbackView):
    """Check the one-time code and sign the session in."""

    serializer_class = VerifySerializer

    @extend_schema(
        operation_id="session_verify",
        tags=["sign-in"],
        request=VerifySerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: SessionStatusSerializer,
            **COMMON_ERRORS,
            400: error(
                "Malformed input (invalid_input, malformed_json) or a wrong code (wrong_code).",
                "wrong_code",
                "That code is not right. Check the text message and try again.",
                "code",
            ),
            403: error(
                "Too many wrong codes: the code is void.",
                "too_many_attempts",
                "Too many wrong codes. Start over with create-target-session.",
                "code",
            ),
            409: error(
                "No code is pending (no_code_pending) or the session is already signed in.",
                "no_code_pending",
                "No code was sent on this session: sign in with email and password first.",
                "code",
            ),
            410: error(
                "The session (session_expired) or the code (code_expired) expired.",
                "code_expired",
                "This code expired. Sign in again for a new one.",
                "code",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.validated(request)
        session = ShopperSession.objects.get_live(data["sessionId"])
        services.verify_code(session, data["code"])
        return Response(SessionStatusSerializer(session.status()).data)


RESET_TOKEN_AUTH = "demo-reset-token"


class DemoResetTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <DEMO_RESET_TOKEN>`, for scripts and the presenter's reset button."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, str] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        token = settings.DEMO_RESET_TOKEN
        if not token or not constant_time_compare(parts[1], token.encode()):
            raise exceptions.AuthenticationFailed("That demo reset token is not valid.")
        return AnonymousUser(), RESET_TOKEN_AUTH


class IsStaffOrResetToken(BasePermission):
    message = "Only staff or a holder of the demo reset token may reset the demo."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.auth == RESET_TOKEN_AUTH:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class DemoResetView(APIView):
    """Clear every conversation's state, keeping shoppers and the catalog.

    Staff sign in through the admin's session cookie, and DRF's SessionAuthentication then insists
    on a CSRF token, so a page elsewhere can't make a staff browser reset the demo. Session
    authentication comes first so that a request with no credentials gets 403, not 401.
    """

    authentication_classes = [SessionAuthentication, DemoResetTokenAuthentication]
    permission_classes = [IsStaffOrResetToken]

    def get_exception_handler(self) -> Any:
        return sign_in_exception_handler

    @extend_schema(
        operation_id="demo_reset",
        tags=["demo"],
        request=None,
        responses={
            200: inline_serializer(
                "DemoReset",
                {
                    "removed": drf_serializers.DictField(
                        child=drf_serializers.IntegerField(), help_text="Rows deleted, by model label."
                    )
                },
            ),
            401: error(
                "The bearer token is not the demo reset token.",
                "authentication_failed",
                "That demo reset token is not valid.",
            ),
            403: error(
                "Neither staff (admin session with CSRF token) nor the demo reset token.",
                "permission_denied",
                IsStaffOrResetToken.message,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        return Response({"removed": services.reset_demo()})
