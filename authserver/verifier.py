"""The MCP endpoints' token verifier (``MCP_TOKEN_VERIFIER``): an access token of this server,
unexpired, bound to the endpoint it is sent to, of an active shopper."""

from __future__ import annotations

import hashlib

from channels.db import database_sync_to_async
from oauth2_provider.models import get_access_token_model

from authserver.models import LinkedSession
from mcp_engine.auth import Principal


async def verify_token(token: str, resource: str) -> Principal | None:
    principal: Principal | None = await database_sync_to_async(_verify)(token, resource)
    return principal


def _verify(token: str, resource: str) -> Principal | None:
    # Tokens are stored only as their SHA-256 (COMPLIANT_BCP_RFC9700_TOKEN_STORAGE).
    checksum = hashlib.sha256(token.encode()).hexdigest()
    access = (
        get_access_token_model()
        .objects.select_related("user__shopper", "application")
        .filter(token_checksum=checksum)
        .first()
    )
    # Exact audience: a token issued for /mcp3 is refused by /mcp4 (RFC 8707).
    if access is None or access.is_expired() or resource not in (access.resource or []):
        return None
    user = access.user
    shopper = getattr(user, "shopper", None) if user is not None and user.is_active else None
    if shopper is None:
        return None
    session = LinkedSession.objects.session_for(shopper)
    client_id = access.application.client_id if access.application else ""
    return Principal(subject=session.handle, scopes=frozenset(access.scope.split()), client_id=client_id)
