from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from auth_mcp import services
from auth_mcp.models import Shopper, ShopperSession, SignInCode, SmsOutbox
from auth_mcp.tests.conftest import Clock
from tests.personas import MARCUS

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass"))
    return client


@pytest.fixture
def marcus_signing_in(session: ShopperSession, marcus_shopper: Shopper) -> ShopperSession:
    services.start_sign_in(session, marcus_shopper.email, MARCUS.password)
    return session


def test_every_sign_in_page_renders(admin_client_logged_in: Client, marcus_signing_in: ShopperSession) -> None:
    for url in [
        "/admin/auth_mcp/shopper/",
        f"/admin/auth_mcp/shopper/{marcus_signing_in.shopper_id}/change/",
        "/admin/auth_mcp/shoppersession/",
        "/admin/auth_mcp/shoppersession/?expiry=live",
        f"/admin/auth_mcp/shoppersession/?q={marcus_signing_in.handle}",
        "/admin/auth_mcp/shoppersession/?q=marcus.chen",
        f"/admin/auth_mcp/signincode/{SignInCode.objects.get().pk}/change/",
        "/admin/auth_mcp/smsoutbox/",
        "/admin/auth_mcp/shoppersession/reset-demo/",
    ]:
        assert admin_client_logged_in.get(url).status_code == 200, url


def test_the_session_list_finds_sessions_by_shopper_email(
    admin_client_logged_in: Client, marcus_signing_in: ShopperSession
) -> None:
    ShopperSession.objects.start()
    page = admin_client_logged_in.get("/admin/auth_mcp/shoppersession/?q=marcus.chen@example.com")
    assert page.context["cl"].result_count == 1


def test_the_code_page_never_shows_the_hash(admin_client_logged_in: Client, marcus_signing_in: ShopperSession) -> None:
    code = SignInCode.objects.get()
    page = admin_client_logged_in.get(f"/admin/auth_mcp/signincode/{code.pk}/change/")
    assert code.code_hash not in page.content.decode()


def test_expire_now_ends_the_selected_sessions(
    clock: Clock, admin_client_logged_in: Client, marcus_signing_in: ShopperSession
) -> None:
    admin_client_logged_in.post(
        "/admin/auth_mcp/shoppersession/",
        {"action": "expire_now", "_selected_action": [marcus_signing_in.pk]},
    )
    marcus_signing_in.refresh_from_db()
    assert marcus_signing_in.is_expired


def test_reset_demo_from_the_admin_clears_conversation_state(
    admin_client_logged_in: Client, marcus_signing_in: ShopperSession
) -> None:
    response = admin_client_logged_in.post("/admin/auth_mcp/shoppersession/reset-demo/", follow=True)
    assert "Demo reset." in response.content.decode()
    assert not ShopperSession.objects.exists() and not SmsOutbox.objects.exists()
    assert Shopper.objects.filter(email="marcus.chen@example.com").exists()
