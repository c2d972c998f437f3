"""Sign-in and demo-reset workflows: each spans several models, so each lives here, atomically."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Model

from auth_mcp.models import (
    AlreadySignedIn,
    CodeExpired,
    InvalidCredentials,
    NoCodePending,
    Shopper,
    ShopperSession,
    SignInCode,
    SmsOutbox,
    TooManyAttempts,
    WrongCode,
    now,
)

logger = logging.getLogger(__name__)

# What open sign-in gives a new shopper so that they can buy at once: a fictional number (555-01xx
# is reserved for fiction), a demo address, and the processor's always-approved test card, whose
# brand says it is one wherever the card is shown.
OPEN_SIGNIN_PHONE = "+1 612-555-0100"
OPEN_SIGNIN_ADDRESS = {
    "address_line1": "100 Demo Avenue",
    "city": "Minneapolis",
    "state": "MN",
    "postal_code": "55403",
    "country": "US",
}
OPEN_SIGNIN_CARD_BRAND = "Test Visa"
OPEN_SIGNIN_CARD_LAST4 = "4242"
OPEN_SIGNIN_CARD_YEARS_VALID = 3


@dataclass(frozen=True)
class IssuedCode:
    """What the caller may learn about a code that was sent. `code` is for demo hints only."""

    code: str
    sent_to: str
    expires_at: datetime


def start_sign_in(session: ShopperSession, email: str, password: str) -> IssuedCode:
    """Check the shopper's email and password, then text them a fresh one-time code.

    Raises AlreadySignedIn or InvalidCredentials; on failure nothing is written.
    """
    if session.is_signed_in:
        raise AlreadySignedIn(
            f"This session is already signed in as {session.shopper.name if session.shopper else 'a shopper'}."
        )
    # The password hash (a deliberate ~0.2 s) runs before the transaction: on SQLite a transaction
    # holds the database's one write lock, and every other writer would wait for the hash.
    shopper = _shopper_for_credentials(email, password)
    with transaction.atomic():
        code, plain = SignInCode.objects.issue(session, shopper)
        session.mark_code_sent(shopper)
        SmsOutbox.objects.create(
            to=shopper.phone,
            shopper=shopper,
            body=f"Target: {plain} is your sign-in code. It expires in 5 minutes. Don't share it with anyone.",
        )
    return IssuedCode(code=plain, sent_to=shopper.masked_phone, expires_at=code.expires_at)


def _shopper_for_credentials(email: str, password: str) -> Shopper:
    shopper = Shopper.objects.find_by_email(email)
    if shopper is None and settings.DEMO_OPEN_SIGNIN:
        try:
            return Shopper.objects.create_shopper(
                name=_name_from_email(email),
                email=email,
                password=password,
                phone=OPEN_SIGNIN_PHONE,
                card_brand=OPEN_SIGNIN_CARD_BRAND,
                card_last4=OPEN_SIGNIN_CARD_LAST4,
                card_exp_month=12,
                card_exp_year=now().year + OPEN_SIGNIN_CARD_YEARS_VALID,
                **OPEN_SIGNIN_ADDRESS,
            )
        except IntegrityError:
            # A concurrent first sign-in for this email made the shopper first: check against theirs.
            shopper = Shopper.objects.find_by_email(email)
            if shopper is None:
                raise
    if shopper is None:
        # Hash anyway so an unknown email takes as long to reject as a wrong password.
        get_user_model()().set_password(password)
        raise InvalidCredentials("That email and password don't match a Target account.")
    if not shopper.check_password(password):
        raise InvalidCredentials("That email and password don't match a Target account.")
    return shopper


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [word for word in local.replace("_", ".").replace("-", ".").split(".") if word]
    return " ".join(word.capitalize() for word in words) or "Target Shopper"


def verify_code(session: ShopperSession, code: str) -> ShopperSession:
    """Sign the session in if `code` is the one last sent to it.

    Every try counts, including ones that fail, so the tally is written before the comparison
    and survives the error raised for a wrong code.
    """
    if session.is_signed_in:
        raise AlreadySignedIn("This session is already signed in; there is no code to check.")
    pending = SignInCode.objects.pending_for(session)
    if pending is None:
        raise NoCodePending("No code has been sent for this session. Sign in with your email and password first.")
    if pending.is_expired:
        raise CodeExpired("That code has expired. Sign in again to get a new code.")
    if not pending.use_attempt():
        raise TooManyAttempts("Too many wrong codes. Sign in again to get a new code.")
    if not pending.matches(code):
        if pending.attempts_left == 0:
            raise TooManyAttempts("Too many wrong codes. Sign in again to get a new code.")
        tries = "try" if pending.attempts_left == 1 else "tries"
        raise WrongCode(f"That code isn't right. {pending.attempts_left} {tries} left.")
    with transaction.atomic():
        if not pending.claim():
            raise NoCodePending("That code was already used. Sign in again to get a new code.")
        session.shopper = pending.shopper
        session.mark_signed_in()
    return session


def reset_demo() -> dict[str, int]:
    """Clear every conversation's state (sessions, codes, SMS, carts, orders, memberships).

    Shoppers and the catalog stay. Returns how many rows of each model were deleted, by label.
    """
    models: list[type[Model]] = [*_installed_models(settings.DEMO_RESET_MODELS), ShopperSession, SignInCode, SmsOutbox]
    removed = {model._meta.label: 0 for model in models}
    with transaction.atomic():
        for model in models:
            _count(removed, model._default_manager.all().delete()[1])
    logger.info("Demo reset removed %s", removed)
    return removed


def _installed_models(labels: list[str]) -> list[type[Model]]:
    found = []
    for label in labels:
        try:
            found.append(apps.get_model(label))
        except (LookupError, ValueError):
            continue
    return found


def _count(totals: dict[str, int], deleted: dict[str, int]) -> None:
    for label, number in deleted.items():
        totals[label] = totals.get(label, 0) + number
