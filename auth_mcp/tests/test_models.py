from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DataError, IntegrityError, transaction
from pytest_django.fixtures import Settings

from auth_mcp.models import (
    SESSION_HANDLE_PATTERN,
    NotSignedIn,
    SessionExpired,
    SessionNotFound,
    Shopper,
    ShopperSession,
    SignInCode,
)
from auth_mcp.tests.conftest import Clock
from tests.personas import LAUREN

pytestmark = pytest.mark.django_db


def test_migrate_creates_lauren_with_a_hashed_password() -> None:
    shopper = LAUREN.shopper()
    assert shopper.name == "Lauren Bailey"
    assert shopper.card_summary == "Visa •••• 4242, expires 12/2028"
    assert shopper.city == "Minneapolis"
    assert shopper.owned_products and shopper.purchase_history and shopper.interests
    assert LAUREN.password not in shopper.user.password
    assert shopper.check_password(LAUREN.password)


def test_it_finds_shoppers_by_email_in_any_case(lauren_shopper: Shopper) -> None:
    assert Shopper.objects.find_by_email("  Lauren@Example.COM ") == lauren_shopper
    assert Shopper.objects.find_by_email("nobody@example.com") is None


def test_it_refuses_a_second_shopper_with_the_same_email_in_other_case(lauren_shopper: Shopper) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Shopper.objects.create(user=lauren_shopper.user, name="Copy", email="LAUREN@example.com")


def test_it_refuses_a_card_number_longer_than_four_digits(marcus_shopper: Shopper) -> None:
    marcus_shopper.card_last4 = "424242"
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        marcus_shopper.save()


def test_session_handles_are_prefixed_and_carry_at_least_128_random_bits() -> None:
    handles = {ShopperSession.objects.start().handle for _ in range(50)}
    assert len(handles) == 50
    for handle in handles:
        assert SESSION_HANDLE_PATTERN.match(handle)
        random_part = handle.removeprefix("sess_")
        assert len(random_part) * math.log2(64) >= 128


def test_a_new_session_is_anonymous_and_expires_after_the_idle_timeout(settings: Settings, clock: Clock) -> None:
    session = ShopperSession.objects.start()
    assert session.state == ShopperSession.State.ANONYMOUS
    assert session.expires_at == clock.current + timedelta(seconds=settings.SHOPPER_SESSION_IDLE_SECONDS)
    assert session.status() == {"sessionId": session.handle, "authenticated": False, "name": None, "email": None}


def test_every_use_restarts_the_idle_timer(clock: Clock) -> None:
    session = ShopperSession.objects.start()
    clock.advance(minutes=9)
    ShopperSession.objects.get_live(session.handle)
    clock.advance(minutes=9)
    refreshed = ShopperSession.objects.get_live(session.handle)
    assert refreshed.last_seen_at == clock.current
    assert refreshed.expires_at == clock.current + timedelta(minutes=10)


def test_it_rejects_a_session_idle_for_ten_minutes(clock: Clock) -> None:
    session = ShopperSession.objects.start()
    clock.advance(minutes=10)
    with pytest.raises(SessionExpired, match="create-target-session again"):
        ShopperSession.objects.get_live(session.handle)


def test_using_an_expired_session_does_not_revive_it(clock: Clock) -> None:
    session = ShopperSession.objects.start()
    clock.advance(minutes=11)
    with pytest.raises(SessionExpired):
        ShopperSession.objects.get_live(session.handle)
    session.refresh_from_db()
    assert session.is_expired
    assert session.last_seen_at == clock.current - timedelta(minutes=11)


def test_the_idle_timeout_is_a_setting(settings: Settings, clock: Clock) -> None:
    settings.SHOPPER_SESSION_IDLE_SECONDS = 120
    session = ShopperSession.objects.start()
    clock.advance(minutes=2)
    with pytest.raises(SessionExpired, match="after 2 minutes"):
        ShopperSession.objects.get_live(session.handle)


@pytest.mark.parametrize("handle", ["sess_doesnotexistdoesnotexistdoesnot", "not-a-handle", "", "sess_" + "x" * 200])
def test_it_rejects_unknown_session_handles(handle: str) -> None:
    with pytest.raises(SessionNotFound, match="create-target-session"):
        ShopperSession.objects.get_live(handle)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_async_lookup_refreshes_and_expires_like_the_sync_one(clock: Clock) -> None:
    session = await ShopperSession.objects.astart()
    clock.advance(minutes=5)
    found = await ShopperSession.objects.aget_live(session.handle)
    assert found.expires_at == clock.current + timedelta(minutes=10)
    clock.advance(minutes=10)
    with pytest.raises(SessionExpired):
        await ShopperSession.objects.aget_live(session.handle)
    with pytest.raises(SessionNotFound):
        await ShopperSession.objects.aget_live("sess_" + "A" * 32)


def test_a_shopper_signed_in_on_a_session_is_found_by_its_handle(
    session: ShopperSession, marcus_shopper: Shopper
) -> None:
    session.mark_code_sent(marcus_shopper)
    session.mark_signed_in()
    found = ShopperSession.objects.get_signed_in(session.handle)
    assert found == session and found.signed_in_shopper() == marcus_shopper


def test_a_session_nobody_finished_signing_in_on_sends_the_model_to_authenticate_target(
    session: ShopperSession, marcus_shopper: Shopper
) -> None:
    steps: list[Callable[[], object]] = [lambda: None, lambda: session.mark_code_sent(marcus_shopper)]
    for step in steps:
        step()
        with pytest.raises(NotSignedIn) as refused:
            ShopperSession.objects.get_signed_in(session.handle)
        assert (refused.value.code, refused.value.status, refused.value.field) == ("not_signed_in", 403, "sessionId")
        assert refused.value.message == (
            f"The shopper is not signed in on session {session.handle}. Call authenticate-target with this "
            "sessionId so they can sign in, then try again."
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_async_signed_in_lookup_refuses_like_the_sync_one(clock: Clock) -> None:
    session = await ShopperSession.objects.astart()
    with pytest.raises(NotSignedIn):
        await ShopperSession.objects.aget_signed_in(session.handle)
    clock.advance(minutes=11)
    with pytest.raises(SessionExpired):
        await ShopperSession.objects.aget_signed_in(session.handle)
    with pytest.raises(SessionNotFound):
        await ShopperSession.objects.aget_signed_in("sess_" + "A" * 32)


def test_the_ship_to_address_prints_as_a_label(lauren_shopper: Shopper) -> None:
    assert lauren_shopper.ship_to == ["Lauren Bailey", "742 Lyndale Ave S", "Apt 3", "Minneapolis, MN 55403", "US"]
    lauren_shopper.address_line2 = ""
    assert lauren_shopper.ship_to == ["Lauren Bailey", "742 Lyndale Ave S", "Minneapolis, MN 55403", "US"]
    lauren_shopper.address_line1 = ""
    assert lauren_shopper.ship_to == []


def test_the_card_on_file_is_labelled_as_on_a_receipt(lauren_shopper: Shopper) -> None:
    assert lauren_shopper.card_label == "Visa •••• 4242"
    assert lauren_shopper.card_summary == "Visa •••• 4242, expires 12/2028"
    lauren_shopper.card_brand, lauren_shopper.card_exp_year = "", None
    assert lauren_shopper.card_label == "Card •••• 4242"
    assert lauren_shopper.card_summary == "Card •••• 4242"
    lauren_shopper.card_last4 = ""
    assert lauren_shopper.card_label is None and lauren_shopper.card_summary is None


def test_a_signed_in_session_must_name_its_shopper(session: ShopperSession) -> None:
    session.state = ShopperSession.State.SIGNED_IN
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_sign_in_codes_are_stored_only_as_a_hash(session: ShopperSession, marcus_shopper: Shopper) -> None:
    row, plain = SignInCode.objects.issue(session, marcus_shopper)
    assert len(plain) == 6 and plain.isdigit()
    assert plain not in row.code_hash
    assert row.matches(plain)
    assert not row.matches(f"{(int(plain) + 1) % 1_000_000:06d}")


def test_a_code_only_matches_the_session_it_was_sent_to(session: ShopperSession, marcus_shopper: Shopper) -> None:
    row, plain = SignInCode.objects.issue(session, marcus_shopper)
    row.session_id = ShopperSession.objects.start().pk
    assert not row.matches(plain)


def test_issuing_a_new_code_replaces_the_pending_one(session: ShopperSession, marcus_shopper: Shopper) -> None:
    SignInCode.objects.issue(session, marcus_shopper)
    newer, _ = SignInCode.objects.issue(session, marcus_shopper)
    assert list(SignInCode.objects.filter(session=session)) == [newer]


def test_a_code_allows_five_attempts(session: ShopperSession, marcus_shopper: Shopper) -> None:
    row, _ = SignInCode.objects.issue(session, marcus_shopper)
    assert [row.use_attempt() for _ in range(6)] == [True] * 5 + [False]
    assert row.attempts_left == 0


def test_the_database_refuses_more_than_five_attempts(session: ShopperSession, marcus_shopper: Shopper) -> None:
    row, _ = SignInCode.objects.issue(session, marcus_shopper)
    row.attempts = 6
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_code_expires_after_five_minutes(clock: Clock, session: ShopperSession, marcus_shopper: Shopper) -> None:
    row, _ = SignInCode.objects.issue(session, marcus_shopper)
    clock.advance(minutes=4, seconds=59)
    assert not row.is_expired
    clock.advance(seconds=1)
    assert row.is_expired


def test_laurens_products_are_in_the_catalog() -> None:
    catalog_path = Path(__file__).resolve().parents[2] / "search_mcp" / "catalog" / "products.json"
    assert catalog_path.exists(), "python manage.py build_catalog writes the committed catalog"
    catalog = {product["id"]: product["title"] for product in json.loads(catalog_path.read_text())}
    shopper = LAUREN.shopper()
    bought = [item for order in shopper.purchase_history for item in order["items"]]
    for product in [*shopper.owned_products, *bought]:
        assert catalog.get(product["tcin"]) == product["title"], product
