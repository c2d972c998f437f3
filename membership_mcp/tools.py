"""The Target Circle 360 membership server (/mcp4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from channels.db import database_sync_to_async
from django.conf import settings
from pydantic import BaseModel, Field

from analytics.tagging import tag_widget
from auth_mcp.models import Shopper, ShopperSession
from auth_mcp.tools import SignedInSessionId as SessionId
from mcp_engine import MCPServer, ToolResult
from membership_mcp import services
from membership_mcp.models import BENEFITS, TRIAL_DAYS, Membership, holds_circle_card
from membership_mcp.services import current_membership
from shop import scopes
from shop.errors import ShopError
from shop.payments.idempotency import IdempotencyKey
from shop.payments.money import Price, Totals, tax_rate_percent

server = MCPServer(
    name="circle-360",
    version="1.0.0",
    title="Target Circle 360",
    instructions=(
        "Check and start the shopper's Target Circle 360 membership (free same-day delivery and "
        "free shipping). A signed-in session (sessionId) is required."
    ),
    principal_argument="sessionId",
    expected_errors=(ShopError,),
)

signup_widget = server.widget(
    "circle-signup",
    title="Circle 360 Signup",
    description=(
        "Circle 360 sign-up: the three plans (annual, monthly, free trial) with an order summary, the "
        "card and address on file, and a Start membership button. The shopper enrols in the widget; "
        "an existing member sees their current plan instead."
    ),
    prefers_border=True,
    # The app's own origin, where the widget runtime sends its events.
    connect_domains=lambda: [settings.PUBLIC_BASE_URL],
)


def _dollars(amount: Decimal) -> str:
    """$99 for whole dollars, $10.99 otherwise: how prices read in a sentence."""
    return f"${amount:.0f}" if amount == amount.to_integral_value() else f"${amount:.2f}"


ANNUAL = f"{_dollars(Membership.ANNUAL_PRICE)}/year"
MONTHLY = f"{_dollars(Membership.MONTHLY_PRICE)}/month"
CIRCLE_CARD_ANNUAL = f"{_dollars(Membership.CIRCLE_CARD_ANNUAL_PRICE)}/year"
PRICING = {
    "annual": ANNUAL,
    "monthly": MONTHLY,
    "trial": f"Free {TRIAL_DAYS}-day trial, then {MONTHLY}",
    "circleCard": f"{CIRCLE_CARD_ANNUAL} for Target Circle Card holders",
}


class CurrentMembership(BaseModel):
    plan: str = Field(description="annual, monthly or trial.")
    planName: str
    price: Price = Field(description="The recurring price, per year (annual) or per month.")
    since: date
    renewsOn: date | None
    trialEndsOn: date | None

    @classmethod
    def of(cls, membership: Membership) -> CurrentMembership:
        return cls(
            plan=membership.plan,
            planName=membership.get_plan_display(),
            price=f"{membership.price:.2f}",
            since=membership.started_on,
            renewsOn=membership.renews_on,
            trialEndsOn=membership.trial_ends_on,
        )


class MembershipStatus(BaseModel):
    sessionId: str
    circle360Member: bool
    currentMembership: str = Field(description='"Circle 360", or "Circle" (the free tier) for non-members.')
    membership: CurrentMembership | None
    benefits: list[str]
    pricing: dict[str, str]


class PlanOffer(BaseModel):
    plan: str
    name: str
    price: Price = Field(description="The recurring price.")
    period: str = Field(description='"year" or "month".')
    description: str
    trialDays: int | None = Field(description="How long the free trial lasts, for the trial plan; null otherwise.")
    subtotal: Price = Field(description="Charged today, before tax (0.00 for the trial).")
    tax: Price
    total: Price


class SignupOffer(BaseModel):
    sessionId: str
    circle360Member: bool
    membership: CurrentMembership | None = Field(description="The current plan, for an existing member.")
    plans: list[PlanOffer]
    circleCardHolder: bool = Field(description="Whether the shopper pays circleCardAnnualPrice for the annual plan.")
    circleCardAnnualPrice: Price = Field(description="What Target Circle Card holders pay a year for the annual plan.")
    taxRate: str
    benefits: list[str]
    shipTo: list[str]
    payment: str | None = Field(description='The card on file, masked, e.g. "Visa •••• 4242".')


class Enrolment(BaseModel):
    sessionId: str
    plan: str = Field(description="annual, monthly or trial.")
    planName: str
    status: str
    price: Price = Field(description="The recurring price, per year (annual) or per month.")
    subtotal: Price = Field(description="Charged today, before tax (0.00 for the trial).")
    tax: Price
    total: Price
    startedOn: date
    trialEndsOn: date | None
    renewsOn: date | None
    payment: str = Field(description='The card on file, masked, e.g. "Visa •••• 4242".')


def _offers(shopper: Shopper) -> list[PlanOffer]:
    offers = []
    for terms in Membership.terms(shopper):
        money = Totals.of(terms.charged_today).as_strings()
        offers.append(
            PlanOffer(
                plan=terms.plan,
                name=terms.name,
                price=f"{terms.price:.2f}",
                period=terms.period,
                description=terms.description,
                trialDays=TRIAL_DAYS if terms.plan == Membership.Plan.TRIAL else None,
                subtotal=money["subtotal"],
                tax=money["tax"],
                total=money["total"],
            )
        )
    return offers


def _describe(membership: Membership) -> str:
    if membership.plan == Membership.Plan.TRIAL:
        return (
            f"on a free trial since {membership.started_on:%Y-%m-%d}; it ends on {membership.trial_ends_on:%Y-%m-%d}, "
            f"then ${membership.price}/month"
        )
    period = "year" if membership.plan == Membership.Plan.ANNUAL else "month"
    return (
        f"on the {membership.get_plan_display().lower()} plan (${membership.price}/{period}) since "
        f"{membership.started_on:%Y-%m-%d}, renewing on {membership.renews_on:%Y-%m-%d}"
    )


@server.tool(
    name="check-circle-membership",
    title="Check Circle 360 membership",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    scopes=(scopes.MEMBERSHIP,),
    invoking="Checking membership status",
    invoked="Membership status received",
)
async def check_circle_membership(sessionId: SessionId) -> ToolResult[MembershipStatus]:
    """Report whether the signed-in shopper is a Target Circle 360 member: their plan, since when and
    when it renews, or that they are not a member, with the benefits and prices.

    Needs a signed-in sessionId (call authenticate-target first). To enrol, call circle-signup.
    """
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    shopper = session.signed_in_shopper()
    membership = await database_sync_to_async(current_membership)(shopper)
    output = MembershipStatus(
        sessionId=session.handle,
        circle360Member=membership is not None,
        currentMembership="Circle 360" if membership else "Circle",
        membership=CurrentMembership.of(membership) if membership else None,
        benefits=list(BENEFITS),
        pricing=PRICING,
    )
    if membership is not None:
        text = f"{shopper.name} is a Circle 360 member, {_describe(membership)}. Their orders ship free."
    else:
        text = (
            f"{shopper.name} is a Target Circle member (the free tier), not a Circle 360 member. Circle 360 "
            f"costs {ANNUAL} or {MONTHLY}, with a free {TRIAL_DAYS}-day trial (then {MONTHLY}); Target Circle Card "
            f"holders pay {CIRCLE_CARD_ANNUAL}. Call circle-signup to let them enrol."
        )
    return ToolResult(output, text=text)


@server.tool(
    name="circle-signup",
    title="Join Circle 360",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    widget=signup_widget,
    scopes=(scopes.MEMBERSHIP,),
    invoking="Circle 360 coming right up",
    invoked="Circle 360 almost ready",
)
async def circle_signup(sessionId: SessionId) -> ToolResult[SignupOffer]:
    """Show the Circle 360 sign-up: the annual and monthly plans and the free trial, with the prices
    this shopper pays (in the result), the order summary, and the card and address on file.

    The shopper chooses a plan and presses Start membership in the widget, never in chat. An existing
    member sees their current plan instead. Needs a signed-in sessionId (call authenticate-target first).
    """
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    shopper = session.signed_in_shopper()
    membership = await database_sync_to_async(current_membership)(shopper)
    output = SignupOffer(
        sessionId=session.handle,
        circle360Member=membership is not None,
        membership=CurrentMembership.of(membership) if membership else None,
        plans=_offers(shopper),
        circleCardHolder=holds_circle_card(shopper),
        circleCardAnnualPrice=f"{Membership.CIRCLE_CARD_ANNUAL_PRICE:.2f}",
        taxRate=tax_rate_percent(),
        benefits=list(BENEFITS),
        shipTo=shopper.ship_to,
        payment=shopper.card_label,
    )
    if membership is not None:
        text = f"{shopper.name} is already a Circle 360 member, {_describe(membership)}. The widget shows their plan."
    else:
        text = (
            "The Circle 360 sign-up is shown above. The shopper picks a plan and presses Start membership "
            "there; the widget confirms when they are enrolled. Call check-circle-membership afterwards to "
            "see their plan."
        )
    tag = await tag_widget(signup_widget.name, sessionId)
    return ToolResult(output, text=text, meta=tag.meta())


@server.tool(
    name="enroll-circle-360",
    title="Start Circle 360 membership",
    read_only=False,
    destructive=False,
    idempotent=True,
    open_world=False,
    # The sign-up widget's Start membership button, through the host: the shopper's decision only.
    visibility=("app",),
    invoking="Starting the membership",
    invoked="Membership started",
)
async def enroll_circle_360(
    sessionId: SessionId, plan: Literal["annual", "monthly", "trial"], idempotencyKey: IdempotencyKey
) -> ToolResult[Enrolment]:
    """Enrol the signed-in shopper in Circle 360 on the plan they chose, charging the first period to
    the card on file. Called by the Circle 360 widget when the shopper presses Start membership."""
    session = await ShopperSession.objects.aget_signed_in(sessionId)
    membership = await database_sync_to_async(services.join)(session, plan, idempotencyKey)
    output = Enrolment(
        sessionId=session.handle,
        plan=membership.plan,
        planName=membership.get_plan_display(),
        status=membership.status,
        price=f"{membership.price:.2f}",
        subtotal=f"{membership.subtotal:.2f}",
        tax=f"{membership.tax:.2f}",
        total=f"{membership.total:.2f}",
        startedOn=membership.started_on,
        trialEndsOn=membership.trial_ends_on,
        renewsOn=membership.renews_on,
        payment=f"{membership.card_brand or 'Card'} •••• {membership.card_last4}",
    )
    return ToolResult(
        output,
        text=(
            f"The shopper joined Circle 360 on the {output.planName.lower()} plan (started {output.startedOn}). "
            "Their orders now ship free."
        ),
    )
