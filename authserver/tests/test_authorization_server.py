"""The authorization server in process: metadata, registration, what the authorization endpoint
refuses, the code's single use, Target's sign-in page and its limits."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from auth_mcp.models import Shopper
from mcp_engine.auth import resource_url
from tests.personas import LAUREN
from tests.services import clear_cache

pytestmark = pytest.mark.django_db

REDIRECT = "https://connector.example/oauth/callback"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    clear_cache()  # rate-limit counters live in the cache
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def lauren(db: None) -> Shopper:
    return LAUREN.shopper()


def register(client: Client, **metadata: Any) -> Any:
    body = {"redirect_uris": [REDIRECT], "client_name": "Claude", "token_endpoint_auth_method": "none", **metadata}
    return client.post("/oauth/register", body, content_type="application/json")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(client_id: str, challenge: str, **overrides: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "cart orders",
        "resource": resource_url("mcp3"),
        **overrides,
    }
    return "/oauth/authorize?" + urlencode({key: value for key, value in query.items() if value != ""})


def test_the_metadata_offers_only_the_code_flow_with_s256_and_names_every_endpoint(client: Client) -> None:
    document = client.get("/.well-known/oauth-authorization-server").json()
    assert document["issuer"] == settings.OAUTH_ISSUER
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert "none" in document["token_endpoint_auth_methods_supported"]
    for endpoint in ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "registration_endpoint"):
        assert document[endpoint].startswith(settings.OAUTH_ISSUER + "/oauth/")
    assert client.get("/.well-known/openid-configuration").json() == document


def test_registration_creates_a_public_client_with_its_exact_redirect_uri(client: Client) -> None:
    response = register(client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "client_secret" not in body and body["token_endpoint_auth_method"] == "none"
    application = Application.objects.get(client_id=body["client_id"])
    assert application.client_type == Application.CLIENT_PUBLIC and application.redirect_uris == REDIRECT


def test_a_confidential_client_gets_its_secret_once_and_it_is_stored_hashed(client: Client) -> None:
    body = register(client, token_endpoint_auth_method="client_secret_post").json()
    stored = Application.objects.get(client_id=body["client_id"]).client_secret
    assert body["client_secret"] and stored != body["client_secret"]


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"redirect_uris": ["http://connector.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://connector.example/cb#fragment"]}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"scope": "cart admin"}, "invalid_client_metadata"),
    ],
    ids=["plain-http", "fragment", "none", "client-credentials", "unknown-scope"],
)
def test_registration_refuses_what_oauth_2_1_does_not_allow(
    client: Client, metadata: dict[str, Any], error: str
) -> None:
    response = register(client, **metadata)
    assert response.status_code == 400
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge": "", "code_challenge_method": ""}, "PKCE"),
        ({"state": ""}, "state"),
        ({"resource": "https://elsewhere.example/mcp"}, "not an MCP server"),
        ({"resource": ""}, "resource"),
        ({"response_type": "token"}, "authorization code"),
    ],
    ids=["plain-pkce", "no-pkce", "no-state", "foreign-resource", "no-resource", "implicit"],
)
def test_the_authorization_endpoint_refuses_requests_outside_the_mcp_profile(
    client: Client, lauren: Shopper, override: dict[str, str], problem: str
) -> None:
    client.force_login(lauren.user)
    client_id = register(client).json()["client_id"]
    response = client.get(authorize_query(client_id, pkce()[1], **override))
    assert response.status_code == 400
    assert problem in response.content.decode()


def test_a_signed_in_shopper_sees_consent_naming_the_client_its_redirect_host_and_the_scopes(
    client: Client, lauren: Shopper
) -> None:
    client.force_login(lauren.user)
    client_id = register(client).json()["client_id"]
    page = client.get(authorize_query(client_id, pkce()[1])).content.decode()
    assert "Allow Claude to use your Target account?" in page
    assert "connector.example" in page
    assert "See your cart and add products to it" in page and "place orders you confirm" in page
    assert "Target checkout" in page


def allow(client: Client, client_id: str, challenge: str, redirect_uri: str = REDIRECT) -> str:
    page = client.get(authorize_query(client_id, challenge, redirect_uri=redirect_uri))
    form = {name: value for name, value in page.context["form"].initial.items() if value is not None}
    answer = client.post("/oauth/authorize", {**form, "allow": "Authorize"})
    assert answer.status_code == 302, answer.content
    return str(answer["Location"])


def test_a_code_is_bound_to_its_resource_and_works_only_once(client: Client, lauren: Shopper) -> None:
    client.force_login(lauren.user)
    client_id = register(client).json()["client_id"]
    verifier, challenge = pkce()
    location = allow(client, client_id, challenge)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["state-123"] and query["iss"] == [settings.OAUTH_ISSUER]
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
        "resource": resource_url("mcp3"),
    }
    issued = client.post("/oauth/token", exchange)
    assert issued.status_code == 200, issued.content
    token = AccessToken.objects.get(application__client_id=client_id)
    assert token.resource == [resource_url("mcp3")] and token.token == ""  # stored only as its hash
    replayed = client.post("/oauth/token", exchange)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"


def test_the_code_needs_the_verifier_of_its_challenge(client: Client, lauren: Shopper) -> None:
    client.force_login(lauren.user)
    client_id = register(client).json()["client_id"]
    code = parse_qs(urlsplit(allow(client, client_id, pkce()[1])).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id}
    refused = client.post("/oauth/token", {**exchange, "code_verifier": pkce()[0]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_a_redirect_uri_must_match_exactly(client: Client, lauren: Shopper) -> None:
    client.force_login(lauren.user)
    loopback = "http://127.0.0.1:7777/callback"
    client_id = register(client, redirect_uris=[loopback]).json()["client_id"]
    other_port = client.get(authorize_query(client_id, pkce()[1], redirect_uri="http://127.0.0.1:7778/callback"))
    assert other_port.status_code == 400


def test_the_sign_in_page_uses_the_standard_autocomplete_names(client: Client) -> None:
    page = client.get("/oauth/sign-in").content.decode()
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page


def test_lauren_signs_in_with_her_password_and_the_code_shown_in_demo_mode(
    client: Client, lauren: Shopper, settings: Any
) -> None:
    settings.DEMO_MODE = True
    next_url = "/oauth/signed-in"
    sent = client.post(f"/oauth/sign-in?next={next_url}", {"email": LAUREN.email, "password": LAUREN.password})
    assert sent.status_code == 302
    page = client.get("/oauth/sign-in/code")
    assert 'autocomplete="one-time-code"' in page.content.decode()
    code = page.context["demo_code"]
    signed_in = client.post("/oauth/sign-in/code", {"code": code})
    assert signed_in.status_code == 302 and signed_in["Location"] == next_url
    assert client.session["_auth_user_id"] == str(lauren.user.pk)


def test_a_wrong_password_is_named_on_the_page(client: Client, lauren: Shopper) -> None:
    page = client.post("/oauth/sign-in", {"email": LAUREN.email, "password": "not-it"})
    assert page.status_code == 400
    assert "don&#x27;t match a Target account" in page.content.decode()


def test_five_wrong_codes_void_the_code_as_in_the_widget(client: Client, lauren: Shopper, settings: Any) -> None:
    settings.DEMO_MODE = True
    client.post("/oauth/sign-in", {"email": LAUREN.email, "password": LAUREN.password})
    code = client.get("/oauth/sign-in/code").context["demo_code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [client.post("/oauth/sign-in/code", {"code": wrong}).content.decode() for _ in range(5)]
    assert "Too many wrong codes" in answers[-1]
    assert "Too many wrong codes" in client.post("/oauth/sign-in/code", {"code": code}).content.decode()


def test_the_sign_in_page_is_rate_limited_per_address(client: Client, lauren: Shopper, settings: Any) -> None:
    settings.OAUTH_RATE_PER_ADDRESS = "3/min"
    statuses = [client.post("/oauth/sign-in", {"email": LAUREN.email, "password": "x"}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_the_admin_revokes_every_token_of_a_client(client: Client, lauren: Shopper, admin_user: Any) -> None:
    client.force_login(lauren.user)
    client_id = register(client).json()["client_id"]
    verifier, challenge = pkce()
    code = parse_qs(urlsplit(allow(client, client_id, challenge)).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id}
    assert client.post("/oauth/token", {**exchange, "code_verifier": verifier}).status_code == 200
    application = Application.objects.get(client_id=client_id)
    client.force_login(admin_user)
    listing = client.get("/admin/oauth2_provider/application/")
    assert client_id in listing.content.decode()
    action = {"action": "revoke_access", "_selected_action": [application.pk]}
    assert client.post("/admin/oauth2_provider/application/", action).status_code == 302
    assert not AccessToken.objects.filter(application=application).exists()
    assert Application.objects.filter(pk=application.pk).exists()
