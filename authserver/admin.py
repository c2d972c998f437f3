"""Linked clients, grants and tokens in the admin, each revocable. The toolkit registers its models
with these classes (OAUTH2_PROVIDER's *_ADMIN_CLASS settings)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from oauth2_provider import admin as toolkit
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model, revoke_access_token

from authserver.models import LinkedSession


class ApplicationAdmin(toolkit.ApplicationAdmin):
    list_display = ("name", "client_id", "client_type", "redirect_uris", "created")
    search_fields = ("name", "client_id", "redirect_uris")
    actions = ["revoke_access"]

    @admin.action(description="Revoke every grant and token of the selected clients")
    def revoke_access(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The shopper's or the operator's "unlink": the client's codes, access and refresh tokens
        stop working at once; its registration stays, so it can ask the shopper again."""
        tokens = 0
        for access_token in get_access_token_model().objects.filter(application__in=queryset):
            revoke_access_token(access_token)
            tokens += 1
        for refresh_token in get_refresh_token_model().objects.filter(application__in=queryset, revoked__isnull=True):
            refresh_token.revoke()
        grants, _ = get_grant_model().objects.filter(application__in=queryset).delete()
        self.message_user(request, f"Revoked {tokens} access token(s) and {grants} pending code(s).")


class AccessTokenAdmin(toolkit.AccessTokenAdmin):
    list_display = ("pk", "user", "application", "scope", "resource", "expires")


class GrantAdmin(toolkit.GrantAdmin):
    list_display = ("pk", "application", "user", "scope", "resource", "expires")


class RefreshTokenAdmin(toolkit.RefreshTokenAdmin):
    list_display = ("pk", "user", "application", "resource", "created", "revoked")


@admin.register(LinkedSession)
class LinkedSessionAdmin(admin.ModelAdmin[LinkedSession]):
    list_display = ("shopper", "session")
    raw_id_fields = ("shopper", "session")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
