"""The authorization server's routes. Metadata lives at the origin's well-known addresses (RFC 8414,
OpenID discovery); the rest under /oauth/."""

from django.urls import path

from authserver import views

urlpatterns = [
    path(".well-known/oauth-authorization-server", views.server_metadata, name="authserver-metadata"),
    path(".well-known/openid-configuration", views.server_metadata, name="authserver-openid-configuration"),
    path("oauth/authorize", views.AuthorizeView.as_view(), name="authserver-authorize"),
    path("oauth/token", views.token, name="authserver-token"),
    path("oauth/revoke", views.revoke, name="authserver-revoke"),
    path("oauth/register", views.RegistrationView.as_view(), name="authserver-register"),
    path("oauth/sign-in", views.sign_in, name="authserver-sign-in"),
    path("oauth/sign-in/code", views.sign_in_code, name="authserver-sign-in-code"),
    path("oauth/signed-in", views.signed_in, name="authserver-signed-in"),
]
