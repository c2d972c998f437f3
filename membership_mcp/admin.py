from __future__ import annotations

from django.contrib import admin

from membership_mcp.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["shopper", "plan", "status", "price", "total", "started_on", "renews_on", "trial_ends_on"]
    list_filter = ["plan", "status", "started_on"]
    search_fields = ["shopper__name", "shopper__email", "idempotency_key"]
    list_select_related = ["shopper"]
    raw_id_fields = ["shopper"]
    date_hierarchy = "started_on"
    readonly_fields = ["idempotency_key", "created_at"]
    fieldsets = [
        (None, {"fields": ["shopper", "plan", "status", "started_on", "trial_ends_on", "renews_on"]}),
        ("Charge", {"fields": ["price", "subtotal", "tax", "total", "card_brand", "card_last4", "decline_reason"]}),
        ("Record", {"fields": ["idempotency_key", "created_at"]}),
    ]
