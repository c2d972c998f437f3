"""The engine's plain HTTP routes, for the project's ROOT_URLCONF: ``path("", include("mcp_engine.urls"))``."""

from django.urls import path

from mcp_engine import views

urlpatterns = [
    path(
        ".well-known/oauth-protected-resource/<path:mount>",
        views.protected_resource_metadata,
        name="mcp-protected-resource-metadata",
    ),
]
