from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from auth_mcp.models import Shopper, ShopperSession

pytestmark = pytest.mark.django_db

URL = "/api/demo/reset"
TOKEN = "reset-token-for-tests-0123456789abcdef"


@pytest.fixture
def staff_user() -> User:
    return get_user_model().objects.create_user("presenter", password="presenter-pass", is_staff=True)


def test_anonymous_callers_cannot_reset_the_demo(api: APIClient, session: ShopperSession) -> None:
    response = api.post(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"
    assert ShopperSession.objects.exists()


def test_the_bearer_token_resets_the_demo(settings: Settings, api: APIClient, session: ShopperSession) -> None:
    settings.DEMO_RESET_TOKEN = TOKEN
    response = api.post(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response.json()["removed"]["auth_mcp.ShopperSession"] == 1
    assert not ShopperSession.objects.exists()
    assert Shopper.objects.exists()


def test_a_wrong_bearer_token_is_refused(settings: Settings, api: APIClient, session: ShopperSession) -> None:
    settings.DEMO_RESET_TOKEN = TOKEN
    response = api.post(URL, HTTP_AUTHORIZATION="Bearer not-the-token")
    assert response.status_code == 403
    assert ShopperSession.objects.exists()


def test_no_bearer_token_works_when_none_is_configured(
    settings: Settings, api: APIClient, session: ShopperSession
) -> None:
    settings.DEMO_RESET_TOKEN = ""
    assert api.post(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert api.post(URL, HTTP_AUTHORIZATION="Bearer anything").status_code == 403


def test_staff_can_reset_the_demo(api: APIClient, staff_user: User, session: ShopperSession) -> None:
    api.force_login(staff_user)
    response = api.post(URL)
    assert response.status_code == 200
    assert not ShopperSession.objects.exists()


def test_staff_must_send_a_csrf_token(staff_user: User, session: ShopperSession) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    response = browser.post(URL)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert ShopperSession.objects.exists()


def test_signed_in_non_staff_users_cannot_reset_the_demo(api: APIClient, marcus_shopper: Shopper) -> None:
    api.force_login(marcus_shopper.user)
    response = api.post(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
