"""The Circle 360 widget's enrolment callback: its request body and the membership it answers with."""

from __future__ import annotations

from rest_framework import serializers

from membership_mcp.models import BENEFITS, Membership
from shop.api import SessionSerializer


class EnrollSerializer(SessionSerializer):
    plan = serializers.ChoiceField(
        choices=Membership.Plan.choices,
        error_messages={
            "required": "Choose a plan: annual, monthly or trial.",
            "invalid_choice": "Choose a plan: annual, monthly or trial.",
        },
    )


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    planName = serializers.CharField(source="get_plan_display")
    startedOn = serializers.DateField(source="started_on")
    trialEndsOn = serializers.DateField(source="trial_ends_on")
    renewsOn = serializers.DateField(source="renews_on")
    cardBrand = serializers.CharField(source="card_brand")
    cardLast4 = serializers.CharField(source="card_last4")
    benefits = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = [
            "plan",
            "planName",
            "status",
            "price",
            "subtotal",
            "tax",
            "total",
            "startedOn",
            "trialEndsOn",
            "renewsOn",
            "cardBrand",
            "cardLast4",
            "benefits",
        ]

    def get_benefits(self, membership: Membership) -> list[str]:
        return list(BENEFITS)
