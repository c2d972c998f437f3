"""Client ID metadata documents: a connector's client_id is the HTTPS URL of its metadata.

django-oauth-toolkit recognises such client_ids, caches the document as an Application (until its
Cache-Control max-age, within CIMD_METADATA_MIN/MAX_AGE_SECONDS), backs off after failures and
caps fetches in flight; the fetch itself is here, through the project's one outbound HTTP seam,
under limits: a time budget, a size cap, no redirects, JSON only, and outside DEBUG no address
that is not public (loopback, private, link-local, cloud metadata...). The connection goes to the
address that was checked, so a second DNS answer cannot rebind it.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings
from oauth2_provider import cimd as toolkit
from oauth2_provider.settings import oauth2_settings

from targetdemo.http import get_http_client

MAX_AGE = re.compile(r"max-age=(\d+)")


class HttpxMetadataFetcher:
    """``CIMD_METADATA_FETCHER``: ``fetch(client_id)`` -> (document, seconds to cache it), or CIMDError."""

    def fetch(self, client_id: str) -> tuple[dict[str, Any], int]:
        result: tuple[dict[str, Any], int] = async_to_sync(fetch_document)(client_id)
        return result


async def fetch_document(client_id: str) -> tuple[dict[str, Any], int]:
    parts = urlsplit(client_id)
    if parts.scheme != "https" or not parts.hostname or not parts.path.strip("/"):
        raise toolkit.CIMDError("client_id must be an https URL with a path")
    if parts.username or parts.password or parts.fragment:
        raise toolkit.CIMDError("client_id must not carry userinfo or a fragment")
    port = parts.port or 443
    address = await _checked_address(parts.hostname, port)
    host = f"[{address}]" if ":" in address else address
    target = f"https://{host}:{port}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    budget = float(oauth2_settings.CIMD_FETCH_TIMEOUT_SECONDS)
    limit = int(oauth2_settings.CIMD_MAX_DOCUMENT_SIZE)
    try:
        async with asyncio.timeout(budget):
            async with get_http_client().stream(
                "GET",
                target,
                headers={"Host": parts.netloc, "Accept": "application/json"},
                timeout=httpx.Timeout(budget),
                follow_redirects=False,
                # TLS is verified against the client_id's host name, not the address we dialled.
                extensions={"sni_hostname": parts.hostname},
            ) as response:
                if response.status_code != 200:
                    raise toolkit.CIMDError(f"client_id document answered HTTP {response.status_code}")
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if media_type != "application/json":
                    raise toolkit.CIMDError(f"client_id document is {media_type!r}, not application/json")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise toolkit.CIMDError(f"client_id document is larger than {limit} bytes")
                cache_control = response.headers.get("cache-control", "")
    except (httpx.HTTPError, TimeoutError) as exc:
        raise toolkit.CIMDError(f"client_id document could not be fetched: {exc!r}") from exc
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise toolkit.CIMDError("client_id document is not JSON") from exc
    if not isinstance(document, dict):
        raise toolkit.CIMDError("client_id document must be a JSON object")
    return document, _max_age(cache_control)


async def _checked_address(hostname: str, port: int) -> str:
    """The address to connect to; every address the name resolves to must be public outside DEBUG."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise toolkit.CIMDError(f"client_id host does not resolve: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise toolkit.CIMDError("client_id host does not resolve")
    if not settings.DEBUG:
        for address in addresses:
            if not toolkit._ip_is_public(address):
                raise toolkit.CIMDError(f"client_id host resolves to a non-public address ({address})")
    return addresses[0]


def _max_age(cache_control: str) -> int:
    floor = int(oauth2_settings.CIMD_METADATA_MIN_AGE_SECONDS)
    ceiling = int(oauth2_settings.CIMD_METADATA_MAX_AGE_SECONDS)
    lowered = cache_control.lower()
    age = ceiling
    if "no-store" in lowered or "no-cache" in lowered:
        age = floor
    elif match := MAX_AGE.search(lowered):
        age = int(match.group(1))
    return max(floor, min(age, ceiling))
