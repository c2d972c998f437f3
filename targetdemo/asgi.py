"""ASGI entry point: MCP endpoints go to Channels consumers, everything else to Django."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "targetdemo.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from mcp_engine.routing import mcp_urlpatterns  # noqa: E402
from targetdemo.access import AccessLog  # noqa: E402
from targetdemo.mcp import mounted_servers  # noqa: E402

mcp_routes = [route for prefix, server in mounted_servers().items() for route in mcp_urlpatterns(prefix, server)]

application = AccessLog(ProtocolTypeRouter({"http": URLRouter([*mcp_routes, re_path(r"", django_application)])}))
