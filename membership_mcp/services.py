"""Circle 360 enrolment: checks, the charge and the membership row, in one transaction."""

from __future__ import annotations

from django.utils import timezone

from auth_mcp.models import Shopper, ShopperSession
from membership_mcp.models import AlreadyMember, Membership
from shop.payments.idempotency import Pay, charge_once
from shop.payments.money import Totals
from shop.payments.processor import CardDeclined


def current_membership(shopper: Shopper) -> Membership | None:
    return Membership.objects.active().filter(shopper=shopper).first()


def enroll(session: ShopperSession, plan: str, idempotency_key: str) -> Membership:
    """Start a Circle 360 membership on `plan`, charging the first period (nothing for a trial).

    Idempotent like checkout (see `charge_once`): the same key always yields the same membership
    row, including a declined one. A shopper's enrolments are serialised by locking their row.
    """
    shopper = session.signed_in_shopper()

    def join(pay: Pay) -> Membership:
        terms = next(terms for terms in Membership.terms(shopper) if terms.plan == plan)
        totals = Totals.of(terms.charged_today)
        charge = pay(totals.total)
        started = timezone.localdate()
        trial_ends, renews = Membership.schedule(plan, started)
        return Membership.objects.create(
            shopper=shopper,
            plan=plan,
            status=Membership.Status.ACTIVE if charge.approved else Membership.Status.DECLINED,
            price=terms.price,
            subtotal=totals.subtotal,
            tax=totals.tax,
            total=totals.total,
            card_brand=charge.card_brand,
            card_last4=charge.card_last4,
            decline_reason=charge.decline_reason,
            started_on=started,
            trial_ends_on=trial_ends,
            renews_on=renews if charge.approved else None,
            idempotency_key=idempotency_key,
        )

    def refuse_if_member() -> None:
        current = current_membership(shopper)
        if current is not None:
            raise AlreadyMember(
                f"You're already a Circle 360 member on the {current.get_plan_display().lower()} plan "
                f"(since {current.started_on:%B} {current.started_on.day}, {current.started_on.year})."
            )

    return charge_once(
        idempotency_key,
        shopper,
        records=Membership.objects.all(),
        lock=Shopper.objects.filter(pk=shopper.pk),
        attempt=join,
        purpose="enrolment",
        refuse=refuse_if_member,
        same_request=lambda membership: membership.plan == plan,
    )


def join(session: ShopperSession, plan: str, idempotency_key: str) -> Membership:
    """Enrol as the shopper asked, from the widget's tool call or callback: the stored membership for
    this key, or CardDeclined (the declined attempt stays on record under the key)."""
    membership = Membership.objects.get(pk=enroll(session, plan, idempotency_key).pk)
    if membership.status == Membership.Status.DECLINED:
        raise CardDeclined(
            f"{membership.decline_reason} Nothing was charged and you are not enrolled. "
            "Use a different card on your Target account, then try again."
        )
    return membership
