"""Callbacks the sign-in widget posts to (cookie-less, like every widget callback: see shop.api),
and the demo reset, which is the exception: see DemoResetView.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions
from rest_framework import serializers as drf_serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_mcp import services
from auth_mcp.models import ShopperSession
from auth_mcp.serializers import (
    AuthenticateSerializer,
    SessionStatusSerializer,
    SignInCodeSentSerializer,
    VerifySerializer,
)
from shop.api import BodyFieldThrottle, CallbackView, PerAddressThrottle
from shop.openapi import COMMON_ERRORS, RETRY_AFTER, error


class PerSessionThrottle(BodyFieldThrottle):
    scope = "sign_in_session"
    rate_setting = "SIGN_IN_RATE_PER_SESSION"
    subject = "sessionId"


class PerEmailThrottle(BodyFieldThrottle):
    scope = "sign_in_email"
    rate_setting = "SIGN_IN_RATE_PER_EMAIL"
    subject = "email"


class PerAddressSignInThrottle(PerAddressThrottle):
    scope = "sign_in_address"
    rate_setting = "SIGN_IN_RATE_PER_ADDRESS"


class SignInCallbackView(CallbackView):
    """Base for the sign-in widget's callbacks, throttled per session and per client address.

    The password and the texted code go from the widget straight here, never through a tool call a
    host sees or logs; so these answer a widget on whatever sandbox origin its host gives it
    (Claude's differ per conversation). That is safe: they read no cookie and CORS admits none; the
    body carries the only credential.
    """

    throttle_classes = [PerSessionThrottle, PerAddressSignInThrottle]
    cors_any_origin = True
    throttled_message = "Too many sign-in requests."


class AuthenticateView(SignInCallbackView):
    """Check email and password, then text a one-time code to the shopper's phone."""

    serializer_class = AuthenticateSerializer
    throttle_classes = [PerSessionThrottle, PerEmailThrottle, PerAddressSignInThrottle]

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


class DemoResetTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the schema describes DemoResetTokenAuthentication."""

    target_class = DemoResetTokenAuthentication
    name = "demoResetToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Authorization: Bearer <DEMO_RESET_TOKEN> (set in the server's environment).",
        }


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
