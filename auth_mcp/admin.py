from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from auth_mcp import services
from auth_mcp.models import Shopper, ShopperSession, SignInCode, SmsOutbox

ModelT = TypeVar("ModelT", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[ModelT]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Shopper)
class ShopperAdmin(admin.ModelAdmin[Shopper]):
    list_display = ["name", "email", "phone", "city", "card_summary", "user"]
    search_fields = ["name", "email", "phone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["user", "name", "email", "phone", "created_at"]}),
        (
            "Shipping address",
            {"fields": ["address_line1", "address_line2", "city", "state", "postal_code", "country"]},
        ),
        ("Card on file", {"fields": ["card_brand", "card_last4", "card_exp_month", "card_exp_year"]}),
        ("History", {"fields": ["interests", "owned_products", "purchase_history"]}),
    ]


class LiveFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("live", "Live"), ("expired", "Expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "live":
            return queryset.filter(expires_at__gt=timezone.now())
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=timezone.now())
        return queryset


@admin.register(ShopperSession)
class ShopperSessionAdmin(admin.ModelAdmin[ShopperSession]):
    list_display = ["handle", "state", "shopper", "created_at", "last_seen_at", "expires_at", "is_live"]
    list_filter = ["state", LiveFilter]
    search_fields = ["handle", "shopper__email", "shopper__name"]
    list_select_related = ["shopper"]
    readonly_fields = ["handle", "state", "shopper", "created_at", "last_seen_at", "expires_at"]
    actions = ["expire_now"]
    date_hierarchy = "created_at"
    change_list_template = "admin/auth_mcp/shoppersession/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(boolean=True, description="Live")
    def is_live(self, obj: ShopperSession) -> bool:
        return not obj.is_expired

    @admin.action(description="Expire now (the shopper must start a new session)")
    def expire_now(self, request: HttpRequest, queryset: QuerySet[ShopperSession]) -> None:
        count = queryset.update(expires_at=timezone.now())
        self.message_user(request, f"Expired {count} session(s).", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        reset = path("reset-demo/", self.admin_site.admin_view(self.reset_demo_view), name="auth_mcp_reset_demo")
        return [reset, *super().get_urls()]

    def reset_demo_view(self, request: HttpRequest) -> HttpResponse:
        """Confirm, then run the same reset as POST /api/demo/reset."""
        if request.method == "POST":
            removed = services.reset_demo()
            summary = ", ".join(f"{count} {label}" for label, count in removed.items())
            self.message_user(request, f"Demo reset. Removed {summary}.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:auth_mcp_shoppersession_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Reset the demo?",
            "opts": self.model._meta,
            "sessions": ShopperSession.objects.count(),
        }
        return TemplateResponse(request, "admin/auth_mcp/reset_demo.html", context)


@admin.register(SignInCode)
class SignInCodeAdmin(ReadOnlyAdmin[SignInCode]):
    list_display = ["session", "shopper", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["used_at"]
    search_fields = ["session__handle", "shopper__email"]
    list_select_related = ["session", "shopper"]
    fields = ["session", "shopper", "created_at", "expires_at", "attempts", "used_at"]


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyAdmin[SmsOutbox]):
    list_display = ["created_at", "to", "shopper", "body"]
    search_fields = ["to", "body", "shopper__email"]
    list_select_related = ["shopper"]
    fields = ["created_at", "to", "shopper", "body"]
