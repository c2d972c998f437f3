"""Circle 360 enrolment: checks, the charge and the membership row, in one transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from auth_mcp.models import Shopper, ShopperSession
from checkout_mcp import processor
from checkout_mcp.models import IdempotencyKeyReused, NoCardOnFile
from checkout_mcp.money import Totals
from checkout_mcp.services import signed_in
from membership_mcp.models import AlreadyMember, Membership


def current_membership(shopper: Shopper) -> Membership | None:
    return Membership.objects.active().filter(shopper=shopper).first()


def enroll(session: ShopperSession, plan: str, idempotency_key: str) -> Membership:
    """Start a Circle 360 membership on `plan`, charging the first period (nothing for a trial).

    Idempotent like checkout: the same key always yields the same membership row, including a
    declined one. A shopper's enrolments are serialised by locking their row.
    """
    shopper = signed_in(session)
    try:
        with transaction.atomic():
            Shopper.objects.select_for_update().filter(pk=shopper.pk).first()
            existing = _membership_for_key(idempotency_key, shopper)
            if existing is not None:
                return existing
            _refuse_if_member(shopper)
            if not shopper.card_last4:
                raise NoCardOnFile("There is no card on your Target account. Add one, then try again.")
            terms = next(terms for terms in Membership.terms(shopper) if terms.plan == plan)
            totals = Totals.of(terms.charged_today)
            charge = processor.charge(shopper, totals.total)
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
    except IntegrityError:
        # A concurrent request with this key, or another enrolment, committed first.
        existing = _membership_for_key(idempotency_key, shopper)
        if existing is not None:
            return existing
        _refuse_if_member(shopper)
        raise


def _membership_for_key(key: str, shopper: Shopper) -> Membership | None:
    membership = Membership.objects.filter(idempotency_key=key).first()
    if membership is not None and membership.shopper_id != shopper.pk:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for another enrolment. Send a new one.")
    return membership


def _refuse_if_member(shopper: Shopper) -> None:
    current = current_membership(shopper)
    if current is not None:
        raise AlreadyMember(
            f"You're already a Circle 360 member on the {current.get_plan_display().lower()} plan "
            f"(since {current.started_on:%B} {current.started_on.day}, {current.started_on.year})."
        )
