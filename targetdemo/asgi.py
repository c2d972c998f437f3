"""ASGI entry point: MCP endpoints go to Channels consumers, everything else to Django."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "targetdemo.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from mcp_engine import registry  # noqa: E402
from targetdemo.access import AccessLog  # noqa: E402

application = AccessLog(
    # Channels routes ASGI applications with Django's re_path; django-stubs types its target as a view.
    ProtocolTypeRouter({"http": URLRouter([*registry.urlpatterns(), re_path(r"", django_application)])})  # type: ignore[arg-type]
)
