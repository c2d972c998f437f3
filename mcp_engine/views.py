"""Protected-resource metadata (RFC 9728) for each mounted endpoint: where its tokens come from."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from mcp_engine import auth
from mcp_engine.registry import mounted_servers


@require_GET
def protected_resource_metadata(request: HttpRequest, mount: str) -> JsonResponse:
    server = mounted_servers().get(mount.strip("/"))
    if server is None or not auth.tokens_accepted():
        raise Http404("No protected resource here.")
    response = JsonResponse(auth.protected_resource_metadata(mount.strip("/"), server))
    # Browser-based clients (inspectors, web hosts) discover it cross-origin; it is public anyway.
    response["Access-Control-Allow-Origin"] = "*"
    return response
