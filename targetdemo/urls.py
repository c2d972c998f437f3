from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from acp import views as acp_views
from targetdemo import views

# A failure outside the API views' own handling still answers /api/ in JSON (production pages).
handler500 = "targetdemo.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("auth_mcp.urls")),
    path("api/", include("checkout_mcp.urls")),
    path("api/", include("membership_mcp.urls")),
    path("api/", include("analytics.urls")),
    # Last of /api/: an unknown path answers in JSON like every API answer, never an HTML page.
    re_path(r"^api/", views.api_not_found, name="api-not-found"),
    path("catalog/", include("search_mcp.urls")),
    path("playground/", include("playground.urls")),
    path(".well-known/acp.json", acp_views.discovery, name="acp-discovery"),
    path("acp/", include("acp.urls")),
    path("agentic_commerce/delegate_payment", acp_views.DelegatePaymentView.as_view(), name="acp-delegate-payment"),
    path("", include("storefront.urls")),
    path("", include("mcp_engine.urls")),
    path("", include("authserver.urls")),
]
