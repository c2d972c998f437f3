"""Agentic checkout: agent platforms' API keys, their checkout sessions, the idempotency records of
their requests and the delegated payment tokens of the PSP stand-in.

A checkout session is a cart that an agent fills instead of the widget: its lines carry the
catalog's title and price as the widget cart's do, and completing it records an ordinary
`checkout_mcp.Order` (channel "acp") through the shop's one idempotent charge.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from checkout_mcp.models import MAX_QUANTITY, Order
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH

API_KEY_PREFIX = "acpk_"
MCP_BINDING_KEY_NAME = "MCP binding (/mcp3)"
SESSION_ID_PREFIX = "cs_"
TOKEN_ID_PREFIX = "spt_"
# A stored answer is replayed for at least this long (the protocol asks for 24 h at least).
IDEMPOTENCY_RETENTION = timedelta(hours=24)
# A claim whose request never finished (its process died) stops blocking the key after this long.
IDEMPOTENCY_LEASE = timedelta(minutes=5)


def _random_id(prefix: str) -> str:
    # 24 random bytes: ids handed to agents are unguessable.
    return prefix + secrets.token_urlsafe(24)


def new_session_id() -> str:
    return _random_id(SESSION_ID_PREFIX)


def new_token_id() -> str:
    return _random_id(TOKEN_ID_PREFIX)


def digest(secret: str) -> str:
    """Keys are 32 random bytes, so a plain SHA-256 is enough to store them irreversibly."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyManager(models.Manager["ApiKey"]):
    def issue(self, name: str) -> tuple[ApiKey, str]:
        """A new key named `name`, and its secret: shown once, stored only as a digest."""
        secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
        return self.create(name=name, prefix=secret[:12], digest=digest(secret)), secret

    def mcp_binding(self) -> ApiKey:
        """The key MCP binding calls act as (MCP carries no per-request Authorization)."""
        found, _ = self.get_or_create(
            digest=digest(f"mcp-binding:{settings.SECRET_KEY}"), defaults={"name": MCP_BINDING_KEY_NAME}
        )
        return found

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key whose secret this is. ACP_API_KEY is stored on first use, so the admin can revoke it."""
        found = self.filter(digest=digest(secret)).first()
        if found is None and settings.ACP_API_KEY and constant_time_compare(secret, settings.ACP_API_KEY):
            found, _ = self.get_or_create(
                digest=digest(secret), defaults={"name": "ACP_API_KEY (environment)", "prefix": secret[:12]}
            )
        if found is None or found.revoked_at is not None:
            return None
        return found


class ApiKey(models.Model):
    """An agent platform's key for `Authorization: Bearer`. Revoke it by setting "revoked at"."""

    name = models.CharField(max_length=100, help_text="Who holds it, e.g. the agent platform's name.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The key's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyManager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_authenticated(self) -> bool:
        # DRF treats request.user as the caller; a key stands in for it.
        return True


class CheckoutSession(models.Model):
    class Status(models.TextChoices):
        NOT_READY = "not_ready_for_payment", "Not ready for payment"
        READY = "ready_for_payment", "Ready for payment"
        COMPLETED = "completed", "Completed"
        CANCELED = "canceled", "Canceled"

    id = models.CharField(primary_key=True, max_length=40, default=new_session_id, editable=False)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NOT_READY)
    currency = models.CharField(max_length=3, default="usd")
    buyer = models.JSONField(null=True, blank=True, help_text="The Buyer object the agent sent.")
    fulfillment_details = models.JSONField(null=True, blank=True, help_text="Name, phone, email and address.")
    fulfillment_option_id = models.CharField(max_length=32, blank=True)
    # The decline of the last completion attempt, shown as a message until the next attempt.
    declined = models.CharField(max_length=200, blank=True)
    # The session is where its order came from; it goes with the order (the demo reset deletes orders).
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="acp_session")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", order__isnull=False) | ~Q(status="completed"),
                name="acp_checkoutsession_completed_has_order",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def address(self) -> dict[str, Any] | None:
        details = self.fulfillment_details or {}
        address = details.get("address")
        return address if isinstance(address, dict) else None


class SessionLine(models.Model):
    """One product in a checkout session, at the catalog's title and price when it was added."""

    session = models.ForeignKey(CheckoutSession, on_delete=models.CASCADE, related_name="lines")
    product_id = models.CharField("product id (TCIN)", max_length=12)
    title = models.CharField(max_length=200)
    image = models.URLField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "product_id"], name="acp_sessionline_one_line_per_product"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="acp_sessionline_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class IdempotencyRecord(models.Model):
    """A POST's Idempotency-Key for one caller and path: in flight, then the answer it got."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="idempotency_records")
    path = models.CharField(max_length=200)
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body's canonical JSON.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while in flight.")
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["api_key", "path", "key"], name="acp_idempotencyrecord_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.path}"

    def expired(self) -> bool:
        return self.created_at < timezone.now() - IDEMPOTENCY_RETENTION

    def abandoned(self) -> bool:
        return self.status_code is None and self.created_at < timezone.now() - IDEMPOTENCY_LEASE


class PaymentToken(models.Model):
    """A shared payment token the PSP stand-in minted: a card, usable once, within an allowance."""

    id = models.CharField(primary_key=True, max_length=40, default=new_token_id, editable=False)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="payment_tokens")
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    max_amount = models.PositiveIntegerField(help_text="In minor units (cents).")
    currency = models.CharField(max_length=3)
    merchant_id = models.CharField(max_length=256)
    checkout_session_id = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    metadata = models.JSONField(default=dict, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.id} ({self.card_brand} •••• {self.card_last4}, up to {self.max_amount} {self.currency})"


class WebhookEvent(models.Model):
    """The outbox: an order event for the agent platform, written in the transaction that changed
    the order, and delivered (signed, retried with backoff) by `manage.py acp_webhooks`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    event_type = models.CharField(max_length=32, help_text="order_create or order_update.")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="acp_webhook_events")
    payload = models.JSONField(help_text="The WebhookEvent body, as it is sent.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="acp_webhook_due")]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.order}"
