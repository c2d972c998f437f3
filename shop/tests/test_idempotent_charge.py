"""charge_once, the one idempotent charge: one record per key, one charge per record.

The record here is a bare order (no lines): what matters is which attempts charge and what they
leave behind. Checkout and Circle 360 use it with their own records (their journeys test that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from auth_mcp.models import Shopper, ShopperSession
from checkout_mcp.models import Cart, Order
from membership_mcp.models import AlreadyMember
from shop.errors import ShopError
from shop.payments.idempotency import IdempotencyKeyReused, Pay, charge_once
from shop.payments.processor import Charge, NoCardOnFile

pytestmark = pytest.mark.django_db

KEY = "order-key-0001"
DUPLICATES = 8
WAIT_SECONDS = 30
# Only PostgreSQL lets two attempts run at once: SQLite's IMMEDIATE transactions make every writer
# wait for the previous one to commit, so a duplicate there always finds the record (the live
# journeys send 50 concurrent duplicates through it). `make test-services` runs these.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (make test-services)"
)
concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Attempts:
    """Attempts that pay `amount` and record an order, remembering every charge they made."""

    def __init__(self, amount: Decimal = Decimal("10.00")) -> None:
        self.amount = amount
        self.charges: list[Charge] = []

    def order(self, shopper: Shopper, key: str = KEY) -> Callable[[Pay], Order]:
        def attempt(pay: Pay) -> Order:
            charge = pay(self.amount)
            self.charges.append(charge)
            return self.record(shopper, key, approved=charge.approved)

        return attempt

    def record(self, shopper: Shopper, key: str, *, approved: bool) -> Order:
        return Order.objects.create(
            shopper=shopper,
            status=Order.Status.PLACED if approved else Order.Status.DECLINED,
            subtotal=self.amount,
            shipping=Decimal("0.00"),
            tax=Decimal("0.00"),
            total=self.amount,
            tax_rate=Decimal("0"),
            ship_to="",
            idempotency_key=key,
        )


def nothing_to_refuse() -> None:
    return None


def charge(
    shopper: Shopper, attempt: Callable[[Pay], Order], key: str = KEY, refuse: Callable[[], None] = nothing_to_refuse
) -> Order:
    return charge_once(
        key,
        shopper,
        records=Order.objects.all(),
        lock=Shopper.objects.filter(pk=shopper.pk),
        attempt=attempt,
        purpose="purchase",
        refuse=refuse,
    )


def test_the_first_attempt_with_a_key_charges_once_and_is_recorded(lauren_shopper: Shopper) -> None:
    attempts = Attempts()
    order = charge(lauren_shopper, attempts.order(lauren_shopper))
    assert order.status == Order.Status.PLACED and order.idempotency_key == KEY
    assert [(c.approved, c.amount, c.card_last4) for c in attempts.charges] == [(True, Decimal("10.00"), "4242")]


def test_a_repeat_with_the_same_key_answers_the_first_record_and_never_charges_again(lauren_shopper: Shopper) -> None:
    attempts = Attempts()
    first = charge(lauren_shopper, attempts.order(lauren_shopper))
    again = charge(lauren_shopper, attempts.order(lauren_shopper))
    assert again.pk == first.pk
    assert len(attempts.charges) == 1
    assert Order.objects.filter(idempotency_key=KEY).count() == 1


def test_a_declined_attempt_is_recorded_and_replayed_as_declined(lauren_shopper: Shopper) -> None:
    lauren_shopper.card_last4 = "0002"
    attempts = Attempts()
    declined = charge(lauren_shopper, attempts.order(lauren_shopper))
    lauren_shopper.card_last4 = "4242"  # a better card now, but the key names the declined attempt
    again = charge(lauren_shopper, attempts.order(lauren_shopper))
    assert declined.status == Order.Status.DECLINED and again.pk == declined.pk
    assert [c.decline_reason for c in attempts.charges] == ["Your card was declined."]


def test_a_key_used_by_another_shopper_is_refused_and_charges_nobody(
    lauren_shopper: Shopper, marcus_shopper: Shopper
) -> None:
    attempts = Attempts()
    charge(lauren_shopper, attempts.order(lauren_shopper))
    marcus_shopper.card_brand, marcus_shopper.card_last4 = "Visa", "4444"
    with pytest.raises(IdempotencyKeyReused) as refused:
        charge(marcus_shopper, attempts.order(marcus_shopper))
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "idempotency_key_reused",
        409,
        "Idempotency-Key",
    )
    assert refused.value.message == "This Idempotency-Key was already used for another purchase. Send a new one."
    assert len(attempts.charges) == 1
    assert not Order.objects.filter(shopper=marcus_shopper).exists()


def test_a_shopper_without_a_card_is_refused_before_any_charge(marcus_shopper: Shopper) -> None:
    attempts = Attempts()
    with pytest.raises(NoCardOnFile, match="There is no card on your Target account"):
        charge(marcus_shopper, attempts.order(marcus_shopper))
    assert attempts.charges == [] and not Order.objects.exists()


def test_an_attempt_that_fails_after_writing_leaves_nothing_half_written(lauren_shopper: Shopper) -> None:
    attempts = Attempts()
    write_order = attempts.order(lauren_shopper)

    def fails_after_writing(pay: Pay) -> Order:
        write_order(pay)
        raise ShopError("The warehouse said no.")

    with pytest.raises(ShopError, match="warehouse"):
        charge(lauren_shopper, fails_after_writing)
    assert not Order.objects.exists()
    # Nothing was recorded, so the key is still free for a retry.
    assert charge(lauren_shopper, attempts.order(lauren_shopper)).status == Order.Status.PLACED


def test_a_refusal_stops_the_attempt_before_it_charges(lauren_shopper: Shopper) -> None:
    attempts = Attempts()

    def refuse() -> None:
        raise AlreadyMember("You're already a Circle 360 member.")

    with pytest.raises(AlreadyMember):
        charge(lauren_shopper, attempts.order(lauren_shopper), refuse=refuse)
    assert attempts.charges == [] and not Order.objects.exists()


def test_losing_a_race_on_another_constraint_answers_the_refusal(lauren_shopper: Shopper) -> None:
    # A concurrent enrolment with another key made this shopper a member between the checks and
    # the write: the write breaks a constraint, and the refusal, asked again, now says why.
    memberships: list[str] = []

    def refuse() -> None:
        if memberships:
            raise AlreadyMember("You're already a Circle 360 member.")

    def loses_the_race(pay: Pay) -> Order:
        memberships.append("enrolled elsewhere")
        raise IntegrityError("duplicate key value violates unique constraint")

    with pytest.raises(AlreadyMember):
        charge(lauren_shopper, loses_the_race, refuse=refuse)


@postgres_only
@concurrent
def test_concurrent_duplicates_make_one_record_and_one_charge(lauren_shopper: Shopper) -> None:
    attempts = Attempts()
    start = threading.Barrier(DUPLICATES, timeout=WAIT_SECONDS)

    def duplicate(_: int) -> int:
        try:
            start.wait()
            return charge(lauren_shopper, attempts.order(lauren_shopper)).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(DUPLICATES) as pool:
        answered = list(pool.map(duplicate, range(DUPLICATES)))
    assert len(set(answered)) == 1
    assert len(attempts.charges) == 1
    assert Order.objects.filter(idempotency_key=KEY).count() == 1


@postgres_only
@concurrent
def test_a_duplicate_that_loses_the_race_on_the_key_answers_the_winners_record(lauren_shopper: Shopper) -> None:
    # The winner held no lock this attempt waited on (here both lock the cart, and the winner
    # never took it): it commits between this attempt's lookup and its write, so the write breaks
    # the key's unique index and the attempt answers with the winner's record.
    session = ShopperSession.objects.start()
    cart = Cart.objects.create(session=session, shopper=lauren_shopper)
    attempts = Attempts()
    winner: list[Order] = []

    def commit_the_winner() -> None:
        try:
            winner.append(attempts.record(lauren_shopper, KEY, approved=True))
        finally:
            connection.close()

    write_order = attempts.order(lauren_shopper)

    def loses_the_race(pay: Pay) -> Order:
        rival = threading.Thread(target=commit_the_winner)
        rival.start()
        rival.join(WAIT_SECONDS)
        return write_order(pay)

    answered = charge_once(
        KEY,
        lauren_shopper,
        records=Order.objects.all(),
        lock=Cart.objects.filter(pk=cart.pk),
        attempt=loses_the_race,
        purpose="purchase",
    )
    assert winner and answered.pk == winner[0].pk
    assert Order.objects.filter(idempotency_key=KEY).count() == 1
