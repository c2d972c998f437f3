from django.urls import path

from auth_mcp import views

urlpatterns = [
    path("session/authenticate", views.AuthenticateView.as_view(), name="auth-mcp-authenticate"),
    path("session/verify", views.VerifyView.as_view(), name="auth-mcp-verify"),
    path("demo/reset", views.DemoResetView.as_view(), name="auth-mcp-demo-reset"),
]
