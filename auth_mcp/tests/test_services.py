from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_django.fixtures import Settings

from auth_mcp import services
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
)
from auth_mcp.tests.conftest import Clock
from shop.payments.processor import charge
from tests.personas import LAUREN, MARCUS

pytestmark = pytest.mark.django_db


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_lauren_signs_in_with_her_password_and_the_texted_code(
    session: ShopperSession, lauren_shopper: Shopper
) -> None:
    issued = services.start_sign_in(session, "lauren@example.com", LAUREN.password)
    assert session.state == ShopperSession.State.CODE_SENT
    assert session.status()["authenticated"] is False
    assert issued.sent_to == "phone ending 0142"
    sms = SmsOutbox.objects.get()
    assert sms.to == lauren_shopper.phone and issued.code in sms.body

    services.verify_code(session, issued.code)
    session.refresh_from_db()
    assert session.status() == {
        "sessionId": session.handle,
        "authenticated": True,
        "name": "Lauren Bailey",
        "email": "lauren@example.com",
    }
    assert SignInCode.objects.get().used_at is not None


def test_it_rejects_a_wrong_password_and_writes_nothing(session: ShopperSession, marcus_shopper: Shopper) -> None:
    with pytest.raises(InvalidCredentials):
        services.start_sign_in(session, marcus_shopper.email, "not-his-password")
    session.refresh_from_db()
    assert session.state == ShopperSession.State.ANONYMOUS
    assert not SignInCode.objects.exists() and not SmsOutbox.objects.exists()


def test_it_rejects_an_unknown_email_when_sign_in_is_closed(session: ShopperSession) -> None:
    with pytest.raises(InvalidCredentials, match="don't match"):
        services.start_sign_in(session, "stranger@example.com", "anything-at-all")
    assert not Shopper.objects.filter(email="stranger@example.com").exists()


def test_open_sign_in_creates_a_shopper_for_an_unknown_email(settings: Settings, session: ShopperSession) -> None:
    settings.DEMO_OPEN_SIGNIN = True
    issued = services.start_sign_in(session, "Jamie.Rivera@example.com", "first-time-here")
    shopper = Shopper.objects.get(email="jamie.rivera@example.com")
    assert shopper.name == "Jamie Rivera"
    assert shopper.check_password("first-time-here")
    services.verify_code(session, issued.code)
    assert session.status()["name"] == "Jamie Rivera"


def test_open_sign_in_gives_the_new_shopper_a_demo_address_and_a_test_card(
    settings: Settings, session: ShopperSession
) -> None:
    settings.DEMO_OPEN_SIGNIN = True
    services.start_sign_in(session, "jamie.rivera@example.com", "first-time-here")
    shopper = Shopper.objects.get(email="jamie.rivera@example.com")
    assert shopper.ship_to == ["Jamie Rivera", "100 Demo Avenue", "Minneapolis, MN 55403", "US"]
    assert shopper.card_summary is not None
    assert shopper.card_summary.startswith("Test Visa •••• 4242, expires 12/")
    assert charge(shopper, Decimal("1.00")).approved


def test_open_sign_in_still_rejects_a_wrong_password_for_an_existing_shopper(
    settings: Settings, session: ShopperSession, marcus_shopper: Shopper
) -> None:
    settings.DEMO_OPEN_SIGNIN = True
    with pytest.raises(InvalidCredentials):
        services.start_sign_in(session, marcus_shopper.email, "guess")


def test_it_rejects_a_wrong_code_and_counts_the_try(session: ShopperSession, marcus_shopper: Shopper) -> None:
    issued = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    with pytest.raises(WrongCode, match="4 tries left"):
        services.verify_code(session, wrong(issued.code))
    assert SignInCode.objects.get().attempts == 1
    assert session.state == ShopperSession.State.CODE_SENT


def test_it_locks_the_code_after_five_wrong_tries(session: ShopperSession, marcus_shopper: Shopper) -> None:
    issued = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    for _ in range(4):
        with pytest.raises(WrongCode):
            services.verify_code(session, wrong(issued.code))
    with pytest.raises(TooManyAttempts):
        services.verify_code(session, wrong(issued.code))
    with pytest.raises(TooManyAttempts):
        services.verify_code(session, issued.code)


def test_signing_in_again_sends_a_fresh_code_with_fresh_tries(session: ShopperSession, marcus_shopper: Shopper) -> None:
    first = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    for _ in range(5):
        with pytest.raises((WrongCode, TooManyAttempts)):
            services.verify_code(session, wrong(first.code))
    second = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    services.verify_code(session, second.code)
    assert session.is_signed_in


def test_it_rejects_an_expired_code(clock: Clock, session: ShopperSession, marcus_shopper: Shopper) -> None:
    issued = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    clock.advance(minutes=5)
    with pytest.raises(CodeExpired, match="Sign in again"):
        services.verify_code(session, issued.code)


def test_it_rejects_a_code_before_one_was_sent(session: ShopperSession) -> None:
    with pytest.raises(NoCodePending):
        services.verify_code(session, "123456")


def test_a_code_works_only_once(session: ShopperSession, marcus_shopper: Shopper) -> None:
    issued = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    services.verify_code(session, issued.code)
    with pytest.raises(AlreadySignedIn):
        services.verify_code(session, issued.code)


def test_a_signed_in_session_cannot_start_another_sign_in(session: ShopperSession, marcus_shopper: Shopper) -> None:
    issued = services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    services.verify_code(session, issued.code)
    with pytest.raises(AlreadySignedIn, match="Marcus Chen"):
        services.start_sign_in(session, marcus_shopper.email, MARCUS.password)


def test_reset_clears_conversation_state_and_keeps_shoppers(
    session: ShopperSession, marcus_shopper: Shopper, lauren_shopper: Shopper
) -> None:
    services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    ShopperSession.objects.start()

    removed = services.reset_demo()

    assert removed["auth_mcp.ShopperSession"] == 2
    assert removed["auth_mcp.SignInCode"] == 1
    assert removed["auth_mcp.SmsOutbox"] == 1
    assert not ShopperSession.objects.exists()
    assert Shopper.objects.count() == 2


def test_reset_skips_models_that_do_not_exist(settings: Settings) -> None:
    settings.DEMO_RESET_MODELS = ["checkout_mcp.NoSuchModel", "not_an_app.Thing", "malformed"]
    assert set(services.reset_demo()) == {"auth_mcp.ShopperSession", "auth_mcp.SignInCode", "auth_mcp.SmsOutbox"}
