from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

# The MCP endpoints the playground can connect to, in picker order.
ENDPOINTS = ("/mcp", "/mcp2", "/mcp3", "/mcp4", "/mcp-conformance")


def index(request: HttpRequest) -> HttpResponse:
    """The playground host page: open in development, staff-only when DEBUG is off."""
    if not settings.DEBUG and not request.user.is_staff:
        # 404 rather than 403 or a login redirect: the page's existence is not advertised.
        raise Http404
    return render(request, "playground/index.html", {"endpoints": ENDPOINTS})
