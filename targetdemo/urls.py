from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from targetdemo import views

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
    path("catalog/", include("search_mcp.urls")),
    path("playground/", include("playground.urls")),
]
