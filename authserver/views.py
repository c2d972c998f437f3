"""The authorization server's pages and endpoints, on django-oauth-toolkit.

The toolkit does the OAuth work (codes, PKCE, tokens, rotation, revocation, resource indicators);
here are what makes it Target's and what the MCP spec asks on top: the sign-in page (the same
sign-in as the widget), the consent page, server metadata, and open dynamic client registration.
"""

from __future__ import annotations

import math
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from oauth2_provider import views as toolkit
from oauth2_provider.models import get_application_model
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_mcp import services
from auth_mcp.models import ShopperSession
from auth_mcp.views import PerEmailThrottle
from authserver.forms import CodeForm, SignInForm
from authserver.serializers import ClientRegistrationSerializer
from authserver.throttles import over_limit
from mcp_engine import auth as mcp_auth
from mcp_engine.registry import mounted_servers
from shop.errors import ShopError
from shop.scopes import SCOPES

# Keys of the browser's Django session while a shopper signs in.
SIGN_IN_SESSION = "authserver:sign_in_session"
SIGN_IN_SENT_TO = "authserver:sent_to"
SIGN_IN_DEMO_CODE = "authserver:demo_code"
SIGN_IN_NEXT = "authserver:next"


def issuer() -> str:
    return str(settings.OAUTH_ISSUER)


def _absolute(name: str) -> str:
    return f"{issuer()}{reverse(name)}"


@require_GET
def server_metadata(request: HttpRequest) -> JsonResponse:
    """RFC 8414 authorization-server metadata (served at OpenID discovery's address too)."""
    document = {
        "issuer": issuer(),
        "authorization_endpoint": _absolute("authserver-authorize"),
        "token_endpoint": _absolute("authserver-token"),
        "revocation_endpoint": _absolute("authserver-revoke"),
        "registration_endpoint": _absolute("authserver-register"),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "client_id_metadata_document_supported": True,
        "authorization_response_iss_parameter_supported": True,
    }
    response = JsonResponse(document)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def known_resources() -> dict[str, str]:
    """Resource URL -> the name of the MCP endpoint there, for every mounted endpoint."""
    return {mcp_auth.resource_url(mount): server.title for mount, server in mounted_servers().items()}


def _too_many(request: HttpRequest, wait: float) -> HttpResponse:
    message = "Too many attempts. Wait a minute, then try again."
    response = render(request, "authserver/error.html", {"message": message}, status=429)
    response["Retry-After"] = str(math.ceil(wait))
    return response


class AuthorizeView(toolkit.AuthorizationView):
    """The authorization endpoint and its consent page. Only what OAuth 2.1 and the MCP spec allow
    gets as far as the toolkit: the code flow, PKCE with S256, a state, and one of our resources."""

    template_name = "authserver/consent.html"
    login_url = reverse_lazy("authserver-sign-in")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not hasattr(request.user, "shopper"):
            # Staff signed in to the admin are not shoppers: they sign in as one to link an account.
            return redirect_to_login(request.get_full_path(), str(self.login_url))
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = self.request_problem(request)
        if problem is not None:
            return render(request, "authserver/error.html", {"message": problem}, status=400)
        response: HttpResponse = super().get(request, *args, **kwargs)
        return response

    @staticmethod
    def request_problem(request: HttpRequest) -> str | None:
        query = request.GET
        if query.get("response_type") != "code":
            return "This server only offers the authorization code flow (response_type=code)."
        if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            return "PKCE is required, with code_challenge_method=S256."
        if not query.get("state"):
            return "The request must carry a state."
        resources = query.getlist("resource")
        if not resources:
            return "The request must name the MCP server it is for (resource)."
        unknown = [resource for resource in resources if resource not in known_resources()]
        if unknown:
            return f"{', '.join(unknown)} is not an MCP server of this shop."
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        redirect_uri = str(context.get("redirect_uri") or "")
        names = known_resources()
        context.update(
            redirect_host=urlsplit(redirect_uri).netloc,
            scope_descriptions=[(scope, SCOPES[scope]) for scope in context.get("scopes", []) if scope in SCOPES],
            resource_names=[names[r] for r in str(context.get("resource") or "").split() if r in names],
        )
        return context


class SignInView(View):
    """Step 1 of Target's sign-in: email and password, then a code is texted."""

    def get(self, request: HttpRequest) -> HttpResponse:
        self.remember_next(request)
        return self.page(request, SignInForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        self.remember_next(request)
        wait = over_limit(request, "oauth_sign_in")
        if wait:
            return _too_many(request, wait)
        form = SignInForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        # The widget's per-email limit, on the same counter: one limit however the shopper signs in.
        throttle = PerEmailThrottle()
        if not throttle.allow_request(request, _Subjects(email=email)):  # type: ignore[arg-type]
            return _too_many(request, throttle.wait() or 60)
        session = ShopperSession.objects.start()
        try:
            issued = services.start_sign_in(session, email, password)
        except ShopError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.page(request, form, status=400)
        request.session[SIGN_IN_SESSION] = session.handle
        request.session[SIGN_IN_SENT_TO] = issued.sent_to
        request.session[SIGN_IN_DEMO_CODE] = issued.code if settings.DEMO_MODE else None
        return redirect("authserver-sign-in-code")

    @staticmethod
    def remember_next(request: HttpRequest) -> None:
        wanted = request.GET.get("next")
        if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
            request.session[SIGN_IN_NEXT] = wanted

    @staticmethod
    def page(request: HttpRequest, form: SignInForm, status: int = 200) -> HttpResponse:
        return render(request, "authserver/sign_in.html", {"form": form}, status=status)


class CodeView(View):
    """Step 2: the 6-digit code texted to the shopper (shown on the page in DEMO_MODE)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if SIGN_IN_SESSION not in request.session:
            return redirect("authserver-sign-in")
        return self.page(request, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        handle = request.session.get(SIGN_IN_SESSION)
        if not handle:
            return redirect("authserver-sign-in")
        wait = over_limit(request, "oauth_sign_in")
        if wait:
            return _too_many(request, wait)
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            session = ShopperSession.objects.get_live(handle)
            services.verify_code(session, form.cleaned_data["code"])
        except ShopError as exc:
            form.add_error("code", exc.message)
            return self.page(request, form, status=400)
        shopper = session.signed_in_shopper()
        # The sign-in session only carried the code: the browser is now signed in to this server.
        session.expire_now()
        next_url = request.session.get(SIGN_IN_NEXT) or reverse("authserver-signed-in")
        login(request, shopper.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url)

    @staticmethod
    def page(request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "sent_to": request.session.get(SIGN_IN_SENT_TO),
            "demo_code": request.session.get(SIGN_IN_DEMO_CODE) if settings.DEMO_MODE else None,
        }
        return render(request, "authserver/code.html", context, status=status)


def signed_in(request: HttpRequest) -> HttpResponse:
    """Where a sign-in without a pending authorization ends."""
    return render(request, "authserver/error.html", {"message": "You are signed in. You can close this page."})


class _Subjects:
    """What a DRF body-field throttle reads from its view: the validated subjects."""

    def __init__(self, **subjects: str) -> None:
        self.throttle_subjects = subjects


class TokenView(toolkit.TokenView):
    """The token endpoint (codes and refresh tokens), rate limited per client address."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = over_limit(request, "oauth_token")
        if wait:
            return _oauth_error("slow_down", "Too many token requests; retry later.", 429, wait)
        response: HttpResponse = super().post(request, *args, **kwargs)
        return response


class RevokeView(toolkit.RevokeTokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = over_limit(request, "oauth_token")
        if wait:
            return _oauth_error("slow_down", "Too many requests; retry later.", 429, wait)
        response: HttpResponse = super().post(request, *args, **kwargs)
        return response


def _oauth_error(error: str, description: str, status: int, wait: float | None = None) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if wait:
        response["Retry-After"] = str(math.ceil(wait))
    response["Cache-Control"] = "no-store"
    return response


class RegistrationView(APIView):
    """Dynamic client registration (RFC 7591), open as MCP clients need it: a public client (auth
    method ``none``) or a confidential one, whose secret is shown once and stored hashed."""

    authentication_classes = []
    permission_classes = [AllowAny]

    # An OAuth endpoint with its own RFC, not part of the widget callback API the schema describes.
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        wait = over_limit(request, "oauth_register")
        if wait:
            return Response(
                {"error": "slow_down", "error_description": "Too many registrations; retry later."},
                status=429,
                headers={"Retry-After": str(math.ceil(wait))},
            )
        serializer = ClientRegistrationSerializer(data=request.data)
        # RFC 7591 §3.2.2 names the errors, so they are mapped here rather than by the API's handler.
        if not serializer.is_valid():
            errors = serializer.errors
            code = "invalid_redirect_uri" if "redirect_uris" in errors else "invalid_client_metadata"
            description = "; ".join(f"{field}: {_first(messages)}" for field, messages in errors.items())
            return Response({"error": code, "error_description": description}, status=400)
        data = serializer.validated_data
        public = data["token_endpoint_auth_method"] == "none"
        application_model = get_application_model()
        secret = "" if public else secrets.token_urlsafe(48)
        application = application_model(
            name=data["client_name"][:255],
            client_type=application_model.CLIENT_PUBLIC if public else application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(data["redirect_uris"]),
            client_secret=secret,
            algorithm="",
            skip_authorization=False,
        )
        application.full_clean(exclude=["client_secret"] if public else None)
        application.save()
        body: dict[str, Any] = {
            "client_id": application.client_id,
            "client_id_issued_at": int(time.time()),
            "client_name": application.name,
            "redirect_uris": data["redirect_uris"],
            "grant_types": sorted({*data["grant_types"], "refresh_token"}),
            "response_types": ["code"],
            "token_endpoint_auth_method": data["token_endpoint_auth_method"],
        }
        if data.get("scope"):
            body["scope"] = data["scope"]
        if not public:
            body["client_secret"] = secret
            body["client_secret_expires_at"] = 0
        return Response(body, status=201, headers={"Cache-Control": "no-store"})


def _first(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_first(value)}" for key, value in messages.items())
    if isinstance(messages, list) and messages:
        return _first(messages[0])
    return str(messages)


sign_in = never_cache(SignInView.as_view())
sign_in_code = never_cache(CodeView.as_view())
token = csrf_exempt(TokenView.as_view())
revoke = csrf_exempt(RevokeView.as_view())
