"""django-oauth-toolkit's request validator, made stricter where OAuth 2.1 and the MCP spec ask."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ShopOAuth2Validator(OAuth2Validator):
    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        # Exactly as registered: the toolkit would let a loopback redirect change its port (RFC 8252).
        return bool(redirect_uri in request.client.redirect_uris.split())
