"""Shoppers, their sign-in sessions, one-time codes and the simulated SMS outbox.

A ShopperSession is what the model holds between tool calls (its `handle`, shown to the model
as `sessionId`). It is not a Django auth session: no cookie is ever set for the widget.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from shop.errors import ShopError

SESSION_HANDLE_PREFIX = "sess_"
# token_urlsafe(24) is 24 random bytes (192 bits) as 32 URL-safe characters.
SESSION_HANDLE_RANDOM_BYTES = 24
SESSION_HANDLE_PATTERN = re.compile(r"^sess_[A-Za-z0-9_-]{32}$")
CODE_MAX_ATTEMPTS = 5


def now() -> datetime:
    """The current time, looked up on each call so tests can move it by patching timezone.now."""
    return timezone.now()


def new_session_handle() -> str:
    return SESSION_HANDLE_PREFIX + secrets.token_urlsafe(SESSION_HANDLE_RANDOM_BYTES)


def idle_timeout() -> timedelta:
    return timedelta(seconds=settings.SHOPPER_SESSION_IDLE_SECONDS)


class SessionNotFound(ShopError):
    code = "session_not_found"
    status = 404
    field = "sessionId"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"Session {handle!r} does not exist. Call create-target-session to start a new session, "
            "then authenticate-target with its sessionId."
        )


class SessionExpired(ShopError):
    code = "session_expired"
    status = 410
    field = "sessionId"

    def __init__(self, handle: str) -> None:
        minutes = settings.SHOPPER_SESSION_IDLE_SECONDS // 60
        super().__init__(
            f"Session {handle} expired after {minutes} minutes without activity. "
            "Call create-target-session again to start a new session, then authenticate-target."
        )


class NotSignedIn(ShopError):
    code = "not_signed_in"
    status = 403
    field = "sessionId"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"The shopper is not signed in on session {handle}. Call authenticate-target with this "
            "sessionId so they can sign in, then try again."
        )


class InvalidCredentials(ShopError):
    code = "invalid_credentials"
    status = 401
    field = "password"


class AlreadySignedIn(ShopError):
    code = "already_signed_in"
    status = 409


class NoCodePending(ShopError):
    code = "no_code_pending"
    status = 409
    field = "code"


class WrongCode(ShopError):
    code = "wrong_code"
    field = "code"


class CodeExpired(ShopError):
    code = "code_expired"
    status = 410
    field = "code"


class TooManyAttempts(ShopError):
    code = "too_many_attempts"
    status = 403
    field = "code"


class ShopperManager(models.Manager["Shopper"]):
    def find_by_email(self, email: str) -> Shopper | None:
        return self.select_related("user").filter(email__iexact=email.strip()).first()

    def create_shopper(self, *, name: str, email: str, password: str | None, **profile: Any) -> Shopper:
        """A shopper and the Django user that holds its (hashed) password, created together.

        Without a password (a guest who bought through an agent) the user cannot sign in with one."""
        email = email.strip().lower()
        first, _, last = name.partition(" ")
        user = get_user_model()(username=email, email=email, first_name=first, last_name=last)
        user.set_password(password)  # the slow hash, before the transaction takes the write lock
        with transaction.atomic():
            user.save()
            return self.create(user=user, name=name, email=email, **profile)


class Shopper(models.Model):
    """The shopping profile of a Django user: who they are, where orders go, what they own."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shopper")
    name = models.CharField(max_length=150)
    email = models.EmailField(help_text="Unique regardless of letter case.")
    phone = models.CharField(max_length=32, blank=True, help_text="Where sign-in codes are (simulated) sent.")

    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")

    # Only what a receipt would show: never a full card number or security code.
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(
        max_length=4, blank=True, validators=[RegexValidator(r"^\d{4}$", "Enter the last four digits of the card.")]
    )
    card_exp_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)

    interests = models.JSONField(default=list, blank=True, help_text='Topics, e.g. ["running", "sleep tracking"].')
    owned_products = models.JSONField(
        default=list, blank=True, help_text="[{tcin, title, category}] the shopper already owns."
    )
    purchase_history = models.JSONField(
        default=list,
        blank=True,
        help_text="[{order_number, placed_on, items: [{tcin, title, price, quantity}], total}]",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    objects = ShopperManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="auth_mcp_shopper_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(card_last4="") | Q(Exact(Length("card_last4"), 4)),
                name="auth_mcp_shopper_card_last4_length",
            ),
            models.CheckConstraint(
                condition=Q(card_exp_month__isnull=True) | Q(card_exp_month__gte=1, card_exp_month__lte=12),
                name="auth_mcp_shopper_card_exp_month_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def masked_phone(self) -> str:
        digits = re.sub(r"\D", "", self.phone)
        return f"phone ending {digits[-4:]}" if len(digits) >= 4 else "your phone"

    @property
    def ship_to(self) -> list[str]:
        """The address as printed on a shipping label, one line each; empty when none is on file."""
        if not self.address_line1:
            return []
        city = f"{self.city}, {self.state} {self.postal_code}".strip(" ,")
        return [line for line in (self.name, self.address_line1, self.address_line2, city, self.country) if line]

    @property
    def card_label(self) -> str | None:
        """The card on file as a receipt shows it, e.g. "Visa •••• 4242"; None when there is none."""
        if not self.card_last4:
            return None
        return f"{self.card_brand or 'Card'} •••• {self.card_last4}"

    @property
    def card_summary(self) -> str | None:
        """The card label with its expiry when known, e.g. "Visa •••• 4242, expires 12/2028"."""
        label = self.card_label
        if label is None or not (self.card_exp_month and self.card_exp_year):
            return label
        return f"{label}, expires {self.card_exp_month:02d}/{self.card_exp_year}"

    def check_password(self, password: str) -> bool:
        return bool(self.user.is_active and self.user.check_password(password))


class SessionStatus(TypedDict):
    sessionId: str
    authenticated: bool
    name: str | None
    email: str | None


class ShopperSessionQuerySet(models.QuerySet["ShopperSession"]):
    def live(self) -> ShopperSessionQuerySet:
        return self.filter(expires_at__gt=now())

    def expired(self) -> ShopperSessionQuerySet:
        return self.filter(expires_at__lte=now())


class ShopperSessionManager(models.Manager["ShopperSession"]):
    def get_queryset(self) -> ShopperSessionQuerySet:
        return ShopperSessionQuerySet(self.model, using=self._db)

    def live(self) -> ShopperSessionQuerySet:
        return self.get_queryset().live()

    def expired(self) -> ShopperSessionQuerySet:
        return self.get_queryset().expired()

    def _fresh_times(self) -> dict[str, datetime]:
        current = now()
        return {"last_seen_at": current, "expires_at": current + idle_timeout()}

    def start(self) -> ShopperSession:
        current = now()
        return self.create(created_at=current, last_seen_at=current, expires_at=current + idle_timeout())

    async def astart(self) -> ShopperSession:
        current = now()
        return await self.acreate(created_at=current, last_seen_at=current, expires_at=current + idle_timeout())

    def get_live(self, handle: str) -> ShopperSession:
        """The live session for `handle`, with its idle timer restarted.

        The refresh is one conditional UPDATE, so an expired session can never be revived by a
        request that races its expiry.
        """
        if not SESSION_HANDLE_PATTERN.match(handle):
            raise SessionNotFound(handle)
        refreshed = self.live().filter(handle=handle).update(**self._fresh_times())
        if not refreshed:
            if self.filter(handle=handle).exists():
                raise SessionExpired(handle)
            raise SessionNotFound(handle)
        return self.select_related("shopper").get(handle=handle)

    async def aget_live(self, handle: str) -> ShopperSession:
        if not SESSION_HANDLE_PATTERN.match(handle):
            raise SessionNotFound(handle)
        refreshed = await self.live().filter(handle=handle).aupdate(**self._fresh_times())
        if not refreshed:
            if await self.filter(handle=handle).aexists():
                raise SessionExpired(handle)
            raise SessionNotFound(handle)
        return await self.select_related("shopper").aget(handle=handle)

    def get_signed_in(self, handle: str) -> ShopperSession:
        """The live session for `handle`, whose shopper has signed in: raises SessionNotFound,
        SessionExpired or NotSignedIn (which tells the model to call authenticate-target)."""
        session = self.get_live(handle)
        session.signed_in_shopper()
        return session

    async def aget_signed_in(self, handle: str) -> ShopperSession:
        session = await self.aget_live(handle)
        session.signed_in_shopper()
        return session


class ShopperSession(models.Model):
    """A conversation's sign-in state, identified to the model by an unguessable handle."""

    class State(models.TextChoices):
        ANONYMOUS = "anonymous", "Not signed in"
        CODE_SENT = "code_sent", "Code sent"
        SIGNED_IN = "signed_in", "Signed in"

    handle = models.CharField(max_length=64, unique=True, default=new_session_handle, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ANONYMOUS)
    shopper = models.ForeignKey(
        Shopper,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
        help_text="Who is signing in (code sent) or signed in.",
    )
    created_at = models.DateTimeField(default=now, editable=False)
    last_seen_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField(db_index=True)

    objects = ShopperSessionManager()

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="anonymous", shopper__isnull=True)
                | Q(state__in=["code_sent", "signed_in"], shopper__isnull=False),
                name="auth_mcp_session_shopper_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["anonymous", "code_sent", "signed_in"]), name="auth_mcp_session_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_signed_in(self) -> bool:
        return self.state == self.State.SIGNED_IN

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()

    def signed_in_shopper(self) -> Shopper:
        """The shopper signed in on this session; raises NotSignedIn when nobody is."""
        if not self.is_signed_in or self.shopper is None:
            raise NotSignedIn(self.handle)
        return self.shopper

    def status(self) -> SessionStatus:
        """What clients may know: the shopper's name and email only once they are signed in."""
        signed_in = self.is_signed_in and self.shopper is not None
        return {
            "sessionId": self.handle,
            "authenticated": signed_in,
            "name": self.shopper.name if signed_in and self.shopper else None,
            "email": self.shopper.email if signed_in and self.shopper else None,
        }

    def mark_code_sent(self, shopper: Shopper) -> None:
        self.state = self.State.CODE_SENT
        self.shopper = shopper
        self.save(update_fields=["state", "shopper"])

    def mark_signed_in(self) -> None:
        self.state = self.State.SIGNED_IN
        self.save(update_fields=["state"])

    def expire_now(self) -> None:
        self.expires_at = now()
        self.save(update_fields=["expires_at"])


def hash_code(session_id: int, code: str) -> str:
    """Keyed with SECRET_KEY and bound to the session, so a leaked hash can't be replayed elsewhere."""
    return salted_hmac("auth_mcp.SignInCode", f"{session_id}:{code}", algorithm="sha256").hexdigest()


class SignInCodeManager(models.Manager["SignInCode"]):
    def issue(self, session: ShopperSession, shopper: Shopper) -> tuple[SignInCode, str]:
        """A fresh code for `session`, replacing any it was sent before. Returns (row, the plain code)."""
        plain = f"{secrets.randbelow(10**SignInCode.LENGTH):0{SignInCode.LENGTH}d}"
        current = now()
        self.filter(session=session, used_at__isnull=True).delete()
        row = self.create(
            session=session,
            shopper=shopper,
            code_hash=hash_code(session.pk, plain),
            created_at=current,
            expires_at=current + SignInCode.LIFETIME,
        )
        return row, plain

    def pending_for(self, session: ShopperSession) -> SignInCode | None:
        return self.filter(session=session, used_at__isnull=True).select_related("shopper").first()


class SignInCode(models.Model):
    """A one-time code, stored only as a keyed hash. Five tries, five minutes, used once."""

    LENGTH: ClassVar[int] = 6
    LIFETIME: ClassVar[timedelta] = timedelta(minutes=5)
    MAX_ATTEMPTS: ClassVar[int] = CODE_MAX_ATTEMPTS

    session = models.ForeignKey(ShopperSession, on_delete=models.CASCADE, related_name="sign_in_codes")
    shopper = models.ForeignKey(Shopper, on_delete=models.CASCADE, related_name="sign_in_codes")
    code_hash = models.CharField(max_length=128, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInCodeManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__gte=0, attempts__lte=CODE_MAX_ATTEMPTS), name="auth_mcp_signincode_attempts_range"
            ),
            models.UniqueConstraint(
                fields=["session"], condition=Q(used_at__isnull=True), name="auth_mcp_signincode_one_pending"
            ),
            models.CheckConstraint(condition=~Q(code_hash=""), name="auth_mcp_signincode_hash_present"),
        ]

    def __str__(self) -> str:
        return f"Code for {self.session.handle}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()

    @property
    def attempts_left(self) -> int:
        return max(self.MAX_ATTEMPTS - self.attempts, 0)

    def use_attempt(self) -> bool:
        """Spend one try, atomically; False when none were left."""
        spent = SignInCode.objects.filter(pk=self.pk, attempts__lt=self.MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
        if spent:
            self.refresh_from_db(fields=["attempts"])
        return bool(spent)

    def matches(self, plain: str) -> bool:
        return constant_time_compare(self.code_hash, hash_code(self.session_id, plain))

    def claim(self) -> bool:
        """Mark the code used; False if another request used it first."""
        return bool(SignInCode.objects.filter(pk=self.pk, used_at__isnull=True).update(used_at=now()))


class SmsOutbox(models.Model):
    """Text messages the demo would have sent. Nothing leaves the server; presenters read them here."""

    to = models.CharField(max_length=32)
    body = models.CharField(max_length=320)
    shopper = models.ForeignKey(Shopper, null=True, blank=True, on_delete=models.SET_NULL, related_name="sms")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS message"
        verbose_name_plural = "SMS outbox"

    def __str__(self) -> str:
        return f"To {self.to}: {self.body[:40]}"
