"""The body of a dynamic client registration (RFC 7591): the one place it is checked."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from shop.scopes import SCOPES

AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
GRANT_TYPES = ("authorization_code", "refresh_token")
LOOPBACK_HOSTS = {"localhost"}
MAX_REDIRECT_URIS = 10


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` may not receive authorization codes, or None. OAuth 2.1: HTTPS, or HTTP to this very
    machine (native apps, local clients); never a fragment, never a wildcard."""
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return f"{uri} has a fragment; redirect URIs may not."
    if "*" in uri:
        return f"{uri} has a wildcard; redirect URIs are matched exactly."
    if not parts.hostname:
        return f"{uri} is not an absolute URL."
    if parts.scheme == "https":
        return None
    if settings.OAUTH_LOOPBACK_REDIRECTS:
        if parts.scheme == "http" and is_loopback(parts.hostname):
            return None
        return f"{uri} must use HTTPS (HTTP only to localhost or a loopback address)."
    return f"{uri} must use HTTPS."


class RedirectUriField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        uri = super().to_internal_value(data)
        problem = redirect_uri_problem(uri)
        if problem:
            raise serializers.ValidationError(problem)
        return uri


class ClientRegistrationSerializer(serializers.Serializer[dict[str, Any]]):
    redirect_uris = serializers.ListField(
        child=RedirectUriField(max_length=400), min_length=1, max_length=MAX_REDIRECT_URIS
    )
    client_name = serializers.CharField(max_length=255, required=False, default="MCP client")
    # RFC 7591 §2: the default is client_secret_basic.
    token_endpoint_auth_method = serializers.ChoiceField(choices=AUTH_METHODS, default="client_secret_basic")
    grant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=GRANT_TYPES), required=False, default=["authorization_code"]
    )
    response_types = serializers.ListField(
        child=serializers.ChoiceField(choices=["code"]), required=False, default=["code"]
    )
    scope = serializers.CharField(max_length=200, required=False, allow_blank=True)
    client_uri = serializers.URLField(max_length=400, required=False)
    logo_uri = serializers.URLField(max_length=400, required=False)

    def validate_grant_types(self, value: list[str]) -> list[str]:
        if "authorization_code" not in value:
            raise serializers.ValidationError("Only the authorization_code grant (with refresh_token) is offered.")
        return value

    def validate_scope(self, value: str) -> str:
        unknown = [scope for scope in value.split() if scope not in SCOPES]
        if unknown:
            raise serializers.ValidationError(f"Unknown scopes: {' '.join(unknown)}. Offered: {' '.join(SCOPES)}.")
        return value
