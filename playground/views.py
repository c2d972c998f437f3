from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mcp_engine.registry import mounted_servers


def index(request: HttpRequest) -> HttpResponse:
    """The playground host page: open in development, staff-only when DEBUG is off."""
    if not settings.DEBUG and not request.user.is_staff:
        # 404 rather than 403 or a login redirect: the page's existence is not advertised.
        raise Http404
    # The endpoint picker offers every mounted MCP server, in the registry's order.
    return render(request, "playground/index.html", {"endpoints": [f"/{path}" for path in mounted_servers()]})
