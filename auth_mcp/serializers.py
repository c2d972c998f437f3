"""Request bodies of the sign-in widget's callbacks: the one place their input is checked."""

from __future__ import annotations

from rest_framework import serializers

from auth_mcp.models import SessionStatus
from shop.api import SessionIdField


class AuthenticateSerializer(serializers.Serializer[dict[str, str]]):
    sessionId = SessionIdField()
    email = serializers.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "blank": "Enter your email address.",
            "invalid": "Enter a valid email address, like you@example.com.",
        },
    )
    password = serializers.CharField(
        max_length=128,
        trim_whitespace=False,
        error_messages={"required": "Enter your password.", "blank": "Enter your password."},
    )


class VerifySerializer(serializers.Serializer[dict[str, str]]):
    sessionId = SessionIdField()
    code = serializers.RegexField(
        r"^[0-9]{6}$",
        error_messages={
            "required": "Enter the 6-digit code from the text message.",
            "blank": "Enter the 6-digit code from the text message.",
            "invalid": "The code is 6 digits, like 123456.",
        },
    )


class SignInCodeSentSerializer(serializers.Serializer[dict[str, object]]):
    sessionId = serializers.CharField()
    state = serializers.CharField()
    sentTo = serializers.CharField()
    expiresAt = serializers.DateTimeField()
    demo_code = serializers.CharField(required=False)


class SessionStatusSerializer(serializers.Serializer[SessionStatus]):
    sessionId = serializers.CharField()
    authenticated = serializers.BooleanField()
    name = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
