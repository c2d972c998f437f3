"""The one idempotent charge, for every way the shop takes money (checkout, Circle 360, and next
agentic checkout): one record per idempotency key, one charge per record.

Each money-moving request carries a key chosen by the caller. The record an attempt writes (an
order, a membership: any model with a unique `idempotency_key` and a `shopper`) stores it, so

- the same key from the same shopper answers the record written the first time, approved or
  declined, and never charges again;
- the same key from another shopper, or for another request (another session, another cart or
  plan: whatever the caller's `same_request` says), is refused (`IdempotencyKeyReused`, 409);
- concurrent duplicates are safe on PostgreSQL and SQLite alike: the shopper's attempts first lock
  the rows that serialise them (the duplicate then waits, and finds the record), and a duplicate
  that held no lock anyone waited on loses on the key's unique index and then finds the record;
- an attempt that fails writes nothing: checks, the charge and the record share one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Protocol, TypeVar

from django.db import IntegrityError, models, transaction
from pydantic import Field

from shop.errors import ShopError
from shop.payments import processor
from shop.payments.processor import CardHolder, Charge, NoCardOnFile

IDEMPOTENCY_KEY_MAX_LENGTH = 255
IDEMPOTENCY_KEY_PATTERN = rf"^[A-Za-z0-9_.:-]{{8,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$"
# A retry must resend the key of the attempt it repeats: that is what makes it safe to retry.
IDEMPOTENCY_KEY_HINT = "a random value such as a UUID, new for each new request and the same one when retrying it"
# The key as a tool argument (widgets that act through the host's tools/call send it there).
IdempotencyKey = Annotated[
    str,
    Field(
        description=f"The attempt's idempotency key: {IDEMPOTENCY_KEY_HINT}; the same key again never charges twice.",
        pattern=IDEMPOTENCY_KEY_PATTERN,
    ),
]

Record = TypeVar("Record", bound=models.Model)
# Charges the payer's card on file: the attempt calls it once, with the amount it will record.
Pay = Callable[[Decimal], Charge]


class IdempotencyKeyReused(ShopError):
    code = "idempotency_key_reused"
    status = 409
    field = "Idempotency-Key"


class Payer(CardHolder, Protocol):
    """The shopper who pays, as stored: records point to them."""

    pk: Any


def _nothing_to_refuse() -> None:
    return None


def _any_request(record: Any) -> bool:
    return True


def charge_once(
    key: str,
    payer: Payer,
    *,
    records: models.QuerySet[Record],
    lock: models.QuerySet[Any],
    attempt: Callable[[Pay], Record],
    purpose: str,
    refuse: Callable[[], None] = _nothing_to_refuse,
    same_request: Callable[[Record], bool] = _any_request,
    card: CardHolder | None = None,
) -> Record:
    """The record of the one attempt made with `key`: found if it exists, else made now.

    `records` is where attempts are recorded (e.g. `Order.objects.all()`); `lock` selects the rows
    that serialise this payer's attempts (their cart, their own row), locked before anything is
    read. `attempt` checks what is being paid for, calls `pay` with the amount and writes the
    record of the outcome, approved or declined, raising a `ShopError` to refuse. `refuse` holds
    the checks a concurrent attempt with another key can make fail (e.g. "already a member"): they
    run before `attempt` and again when another constraint than the key stopped the write.
    `purpose` names the attempt in errors ("purchase", "enrolment"). `same_request` says whether
    the recorded attempt was made by this very request (same session, same body): a key replayed
    with another one is refused rather than answered with a record the request did not make.
    `card` is the card to charge when it is not the payer's card on file (an agent's delegated
    payment token).
    """

    def pay(amount: Decimal) -> Charge:
        if card is not None:
            return processor.charge(card, amount)
        if not payer.card_last4:
            raise NoCardOnFile("There is no card on your Target account. Add one, then try again.")
        return processor.charge(payer, amount)

    try:
        with transaction.atomic():
            list(lock.select_for_update().values_list("pk", flat=True))
            recorded = _recorded(records, key, payer, purpose, same_request)
            if recorded is not None:
                return recorded
            refuse()
            return attempt(pay)
    except IntegrityError:
        # A concurrent attempt committed first without holding a lock this one waited on.
        recorded = _recorded(records, key, payer, purpose, same_request)
        if recorded is not None:
            return recorded
        refuse()
        raise


def _recorded(
    records: models.QuerySet[Record], key: str, payer: Payer, purpose: str, same_request: Callable[[Record], bool]
) -> Record | None:
    recorded = records.filter(idempotency_key=key, shopper=payer).first()
    if (recorded is None and records.filter(idempotency_key=key).exists()) or (
        recorded is not None and not same_request(recorded)
    ):
        raise IdempotencyKeyReused(f"This Idempotency-Key was already used for another {purpose}. Send a new one.")
    return recorded
