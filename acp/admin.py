from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone

from acp.models import ApiKey, CheckoutSession, IdempotencyRecord, PaymentToken, SessionLine, WebhookEvent


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    """Keys are created here (the secret is shown once) and revoked by setting "revoked at"."""

    list_display = ["name", "prefix", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at"]
    fields = ["name", "prefix", "created_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued, secret = ApiKey.objects.issue(obj.name)
        obj.pk, obj.prefix, obj.digest, obj.created_at = issued.pk, issued.prefix, issued.digest, issued.created_at
        obj._state.adding = False
        messages.warning(request, f"The key for {obj.name} is {secret} — copy it now, it is not shown again.")


class SessionLineInline(admin.TabularInline[SessionLine, CheckoutSession]):
    model = SessionLine
    extra = 0
    fields = ["product_id", "title", "unit_price", "quantity"]
    readonly_fields = ["product_id", "title", "unit_price", "quantity"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(admin.ModelAdmin[CheckoutSession]):
    list_display = ["id", "api_key", "status", "order", "created_at"]
    list_filter = ["status", "api_key"]
    search_fields = ["id", "order__number", "lines__product_id"]
    list_select_related = ["api_key", "order"]
    readonly_fields = [
        "id",
        "api_key",
        "status",
        "currency",
        "buyer",
        "fulfillment_details",
        "fulfillment_option_id",
        "declined",
        "order",
        "created_at",
        "updated_at",
    ]
    inlines = [SessionLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PaymentToken)
class PaymentTokenAdmin(admin.ModelAdmin[PaymentToken]):
    list_display = ["id", "card_brand", "card_last4", "max_amount", "currency", "expires_at", "used_at"]
    list_filter = ["card_brand", "used_at"]
    search_fields = ["id", "checkout_session_id", "card_last4"]
    readonly_fields = [field.name for field in PaymentToken._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin[IdempotencyRecord]):
    list_display = ["key", "path", "api_key", "status_code", "created_at"]
    list_filter = ["status_code", "api_key"]
    search_fields = ["key", "path"]
    readonly_fields = [field.name for field in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin[WebhookEvent]):
    """Order events for the agent platform: delivered, still retrying (with the last error) or given up."""

    list_display = ["event_type", "order", "status", "attempts", "next_attempt_at", "last_error", "delivered_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["order__number", "last_error"]
    list_select_related = ["order"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry selected events now")
    def retry_now(self, request: HttpRequest, events: Any) -> None:
        retried = events.exclude(status=WebhookEvent.Status.DELIVERED).update(
            status=WebhookEvent.Status.PENDING, next_attempt_at=timezone.now()
        )
        messages.info(request, f"{retried} event(s) will be retried.")
