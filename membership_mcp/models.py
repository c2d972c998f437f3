"""Target Circle 360 memberships: one row per enrolment attempt, at most one active per shopper."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from auth_mcp.models import Shopper
from shop.errors import ShopError
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH
from shop.payments.money import same_cents

TRIAL_DAYS = 14
TRIAL_NAME = f"Free {TRIAL_DAYS}-day trial"
BENEFITS = (
    "Free same-day delivery on orders of $35 or more, through Shipt, without price markups",
    "Free 2-day shipping on eligible items",
    "An extra 30 days to return items",
    "Early access to deals, launches and collabs",
    "Monthly freebies and members-only offers",
)
# Brand names under which a shopper's card on file is a Target Circle Card (formerly RedCard).
CIRCLE_CARD_BRANDS = frozenset({"target circle card", "redcard"})


class AlreadyMember(ShopError):
    code = "already_member"
    status = 409


@dataclass(frozen=True)
class PlanTerms:
    plan: str
    name: str
    price: Decimal
    period: str
    charged_today: Decimal
    description: str


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.ACTIVE)


class Membership(models.Model):
    """A Circle 360 enrolment: its plan, price, the charge made today, and when it renews."""

    class Plan(models.TextChoices):
        ANNUAL = "annual", "Annual"
        MONTHLY = "monthly", "Monthly"
        TRIAL = "trial", TRIAL_NAME

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Payment declined"
        CANCELLED = "cancelled", "Cancelled"

    ANNUAL_PRICE = Decimal("99.00")
    CIRCLE_CARD_ANNUAL_PRICE = Decimal("49.00")
    MONTHLY_PRICE = Decimal("10.99")

    shopper = models.ForeignKey(Shopper, on_delete=models.CASCADE, related_name="memberships")
    plan = models.CharField(max_length=16, choices=Plan.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    price = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="The recurring price: per year (annual) or per month."
    )
    subtotal = models.DecimalField(max_digits=8, decimal_places=2, help_text="Charged today, before tax.")
    tax = models.DecimalField(max_digits=8, decimal_places=2)
    total = models.DecimalField(max_digits=8, decimal_places=2, help_text="Charged today.")
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    decline_reason = models.CharField(max_length=200, blank=True)
    started_on = models.DateField()
    trial_ends_on = models.DateField(null=True, blank=True)
    renews_on = models.DateField(null=True, blank=True, help_text="Next charge of the recurring price.")
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shopper"], condition=Q(status="active"), name="membership_mcp_one_active_per_shopper"
            ),
            models.CheckConstraint(
                condition=Q(plan__in=["annual", "monthly", "trial"]), name="membership_mcp_plan_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "declined", "cancelled"]), name="membership_mcp_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0, subtotal__gte=0, tax__gte=0)
                & Q(same_cents(F("total"), F("subtotal") + F("tax"))),
                name="membership_mcp_amounts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(plan="trial", trial_ends_on__isnull=False)
                | (~Q(plan="trial") & Q(trial_ends_on__isnull=True)),
                name="membership_mcp_trial_end_only_for_trials",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(renews_on__isnull=False), name="membership_mcp_active_renews"
            ),
            models.CheckConstraint(
                condition=Q(status="declined") & ~Q(decline_reason="") | ~Q(status="declined") & Q(decline_reason=""),
                name="membership_mcp_decline_has_reason",
            ),
            models.CheckConstraint(condition=Exact(Length("card_last4"), 4), name="membership_mcp_card_last4_length"),
        ]

    def __str__(self) -> str:
        return f"{self.shopper.name}: {self.get_plan_display()} ({self.get_status_display()})"

    @classmethod
    def terms(cls, shopper: Shopper) -> list[PlanTerms]:
        """The three plans as this shopper would be offered them (Circle Card holders pay less a year)."""
        annual = cls.CIRCLE_CARD_ANNUAL_PRICE if holds_circle_card(shopper) else cls.ANNUAL_PRICE
        return [
            PlanTerms("annual", "Annual", annual, "year", annual, "A year of membership at our best regular price."),
            PlanTerms(
                "monthly",
                "Monthly",
                cls.MONTHLY_PRICE,
                "month",
                cls.MONTHLY_PRICE,
                "All the perks with month-to-month flexibility.",
            ),
            PlanTerms(
                "trial",
                TRIAL_NAME,
                cls.MONTHLY_PRICE,
                "month",
                Decimal("0.00"),
                f"{TRIAL_DAYS} days of same-day delivery and free shipping, then ${cls.MONTHLY_PRICE}/month.",
            ),
        ]

    @staticmethod
    def schedule(plan: str, started_on: date) -> tuple[date | None, date]:
        """(trial_ends_on, renews_on) for a membership of `plan` starting on `started_on`."""
        if plan == Membership.Plan.TRIAL:
            trial_end = started_on + timedelta(days=TRIAL_DAYS)
            return trial_end, trial_end
        months = 12 if plan == Membership.Plan.ANNUAL else 1
        return None, add_months(started_on, months)


def holds_circle_card(shopper: Shopper) -> bool:
    return shopper.card_brand.strip().lower() in CIRCLE_CARD_BRANDS


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (Jan 31 → Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_member(shopper_id: int) -> bool:
    return Membership.objects.active().filter(shopper_id=shopper_id).exists()
