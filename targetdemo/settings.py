"""Settings for targetdemo, read from the environment (see README, "Configuration").

With nothing set, the app runs embedded: SQLite, local-memory cache and the in-memory
channel layer. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from mcp_engine.conf import Defaults as Engine
from targetdemo.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_origin_list,
    env_rate,
    env_str,
    env_url,
    redis_url,
)

# Lets the admin classes name their model, as in ModelAdmin[Shopper], for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (a long random string).")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"

PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off, e.g. ALLOWED_HOSTS=shop.example.com.")

# The MCP servers: URL path -> the MCPServer answering there. Each one's app is installed from its
# dotted path (below), so adding an endpoint is one line here.
MCP_SERVERS = {
    "mcp": "auth_mcp.tools.server",
    "mcp2": "search_mcp.tools.server",
    "mcp3": "checkout_mcp.tools.server",
    "mcp4": "membership_mcp.tools.server",
    # All four as one connector, under one set of instructions.
    "shop": "storefront.tools.server",
}
# Fixtures for the official conformance suite and the widget tests; never in production.
MCP_CONFORMANCE_FIXTURES = env_bool("MCP_CONFORMANCE_FIXTURES", False)
if MCP_CONFORMANCE_FIXTURES:
    MCP_SERVERS["mcp-conformance"] = "conformance_fixtures.tools.server"

# The engine's settings this deployment configures; their defaults are in mcp_engine.conf.
# Browsers that may talk to the MCP endpoints directly: the app itself plus configured hosts.
MCP_ALLOWED_ORIGINS = env_origin_list(
    "MCP_ALLOWED_ORIGINS",
    [PUBLIC_BASE_URL, "http://localhost:8000", "http://127.0.0.1:8000"],
)
MCP_MAX_BODY_BYTES = env_int("MCP_MAX_BODY_BYTES", Engine.MCP_MAX_BODY_BYTES, minimum=1024)
MCP_SESSION_TTL_SECONDS = env_int("MCP_SESSION_TTL_SECONDS", Engine.MCP_SESSION_TTL_SECONDS, minimum=60)
MCP_BODY_TIMEOUT_SECONDS = env_int("MCP_BODY_TIMEOUT_SECONDS", int(Engine.MCP_BODY_TIMEOUT_SECONDS), minimum=1)
MCP_MAX_STREAMS_PER_ADDRESS = env_int("MCP_MAX_STREAMS_PER_ADDRESS", Engine.MCP_MAX_STREAMS_PER_ADDRESS)
MCP_SSE_KEEPALIVE_SECONDS = env_int("MCP_SSE_KEEPALIVE_SECONDS", Engine.MCP_SSE_KEEPALIVE_SECONDS, minimum=1)
# Per client address on the MCP endpoints, and per shopper session (the principal of the servers
# that name one) on tool calls; "0" turns a limit off (benchmarks do). MCP_RATE_LIMIT_PER_SHOPPER
# is the old name of the second, still read when the new one is unset.
MCP_RATE_LIMIT_PER_ADDRESS = env_rate("MCP_RATE_LIMIT_PER_ADDRESS", Engine.MCP_RATE_LIMIT_PER_ADDRESS)
MCP_RATE_LIMIT_PER_PRINCIPAL = env_rate(
    "MCP_RATE_LIMIT_PER_PRINCIPAL", env_rate("MCP_RATE_LIMIT_PER_SHOPPER", Engine.MCP_RATE_LIMIT_PER_PRINCIPAL)
)
# Behind a reverse proxy that appends X-Forwarded-For, limit by the address it saw.
MCP_TRUST_X_FORWARDED_FOR = env_bool("MCP_TRUST_X_FORWARDED_FOR", Engine.MCP_TRUST_X_FORWARDED_FOR)
# The dedicated origin a host gives our widgets (declared as _meta.ui.domain; the callbacks admit
# it through CORS); unset: none declared, and hosts use their shared sandbox origin.
MCP_WIDGET_DOMAIN = env_url("MCP_WIDGET_DOMAIN", "") if env_str("MCP_WIDGET_DOMAIN") else ""
# Failed admin logins allowed per (username, address) in a window, four times as many per address
# ("failures/seconds", 0 = off).
ADMIN_LOGIN_FAILURES = env_rate("ADMIN_LOGIN_FAILURES", "5/300")

INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin with the operator's site (targetdemo.admin_site) as admin.site.
    "targetdemo.admin_site.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "mcp_engine",
    "shop",
    "oauth2_provider",
    "authserver",
    # The app of each mounted server, from its dotted path in MCP_SERVERS.
    *dict.fromkeys(dotted.partition(".")[0] for dotted in MCP_SERVERS.values()),
    "analytics",
    "playground",
    "acp",
    # The project package itself: the serve_workers command and the admin login throttle's page.
    "targetdemo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, playground) from the app itself, under daphne as under runserver.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Failed admin logins per (username, address) and per address, counted in the cache (429 when too many).
    "targetdemo.admin_throttle.AdminLoginThrottleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "targetdemo.urls"
ASGI_APPLICATION = "targetdemo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Target's colours and fonts, inlined into every widget after the engine's brand-neutral styles.
MCP_WIDGET_THEME = "widgets/theme.css"

DATABASES: dict[str, dict[str, Any]] = {
    "default": database_from_url("DATABASE_URL")
    or {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / env_str("SQLITE_PATH", "db.sqlite3"),
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the async tools and the DRF views write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

REDIS_URL = redis_url("REDIS_URL")
# One Redis may serve several deployments (or test runs): the cache keys and the channel layer's
# pub/sub channels carry this prefix. Pub/sub ignores Redis's database number, so the prefix is
# what keeps one deployment's broadcasts (tools/list_changed, stream answers) from another's.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "targetdemo")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Down or unreachable, Redis must fail a request at once (503), not hang it.
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{CACHE_KEY_PREFIX}.asgi"},
        }
    }
else:
    # Django's default of 300 entries would evict live MCP sessions under load.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "targetdemo",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    # Streams leave their groups when they close, so memberships need no day-long expiry.
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "targetdemo.layers.InMemoryChannelLayer", "CONFIG": {"group_expiry": 10**9}}
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# In development static files come straight from the apps; in production from collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.api.exception_handler",
}

# The OpenAPI schema of the widget callback API at /api/schema/. Open in development; with DEBUG
# off only staff signed in to the admin may read it (API_SCHEMA_PUBLIC=1 opens it), so a production
# deployment does not hand out a map of its endpoints, the demo reset included.
API_SCHEMA_PUBLIC = env_bool("API_SCHEMA_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "targetdemo widget callback API",
    "DESCRIPTION": (
        "The HTTP callbacks the sign-in, checkout and Circle 360 widgets post to. They take no cookies: "
        "the sessionId from create-target-session is the only credential. Every expected failure is "
        '{"error": {"code", "message", "field"}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny" if API_SCHEMA_PUBLIC else "rest_framework.permissions.IsAdminUser"
    ],
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
}

# Widgets are rendered by ChatGPT and MCP Apps hosts on their own sandbox origins; only those
# (and the app itself, for the playground) may call the widget callback API from a browser.
CORS_ALLOWED_ORIGINS = env_origin_list(
    "CORS_ALLOWED_ORIGINS",
    ["https://chatgpt.com", "https://web-sandbox.oaiusercontent.com", PUBLIC_BASE_URL],
)
if MCP_WIDGET_DOMAIN:
    CORS_ALLOWED_ORIGINS.append(MCP_WIDGET_DOMAIN)
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://[a-z0-9-]+\.oaiusercontent\.com$"]
if DEBUG:
    # The playground renders widgets in sandboxed iframes without allow-same-origin (as MCP Apps
    # web hosts must), so their calls carry "Origin: null". Development only.
    CORS_ALLOWED_ORIGINS.append("null")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = ["content-type", "idempotency-key", "authorization"]
# Widgets read it to wait as long as a 429 or 503 asks before retrying.
CORS_EXPOSE_HEADERS = ["retry-after"]

LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "targetdemo.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and Unwrangle's key travels in the query string.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Health probes talk plain HTTP to the process: a redirect would hide /readyz's 503 from them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]

# Account linking (authserver) ----------------------------------------------------------------------
# How the MCP endpoints take bearer tokens (README, "Account linking"): "widget" (the sign-in widget
# only), "mixed" (a token or a sessionId) or "oauth" (a token on every request to a shopper's endpoint).
MCP_AUTH = env_str("MCP_AUTH", "mixed")
if MCP_AUTH not in {"widget", "mixed", "oauth"}:
    raise ImproperlyConfigured(f"MCP_AUTH must be widget, mixed or oauth; got {MCP_AUTH!r}.")
MCP_TOKEN_VERIFIER = "authserver.verifier.verify_token"
MCP_RESOURCE_BASE_URL = PUBLIC_BASE_URL
# The authorization server is this app, so its issuer is the app's public origin.
OAUTH_ISSUER = PUBLIC_BASE_URL
MCP_AUTHORIZATION_SERVERS = [OAUTH_ISSUER]
# Sign-in page posts, token and registration requests per client address ("<count>/<period>").
OAUTH_RATE_PER_ADDRESS = env_str("OAUTH_RATE_PER_ADDRESS", "60/min")
LOGIN_URL = "authserver-sign-in"
# Redirects to http://localhost or a loopback address, for connectors that run on the shopper's own
# machine (RFC 8252). Off in production unless set: every hosted connector redirects over HTTPS.
OAUTH_LOOPBACK_REDIRECTS = env_bool("OAUTH_LOOPBACK_REDIRECTS", DEBUG)
from shop.scopes import SCOPES as _SHOPPER_SCOPES  # noqa: E402 - the scopes are stated once, in shop

OAUTH2_PROVIDER = {
    "SCOPES": _SHOPPER_SCOPES,
    "DEFAULT_SCOPES": list(_SHOPPER_SCOPES),
    "OAUTH2_VALIDATOR_CLASS": "authserver.validators.ShopOAuth2Validator",
    "PKCE_REQUIRED": True,
    # Codes live a minute and are used once; access tokens an hour; refresh tokens rotate on every
    # use, and replaying a rotated one revokes its whole family.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_ACCESS_TOKEN_SECONDS", 3600, minimum=60),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600, minimum=3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OIDC_ISS_ENDPOINT": OAUTH_ISSUER,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if OAUTH_LOOPBACK_REDIRECTS else ["https"],
    # RFC 9700 (OAuth security best practice), all enforced: no implicit or password grant, no
    # "plain" PKCE, tokens only in headers, `iss` on authorization responses, tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    # With loopback redirects on, `check --deploy` warns about "http" rather than failing.
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not OAUTH_LOOPBACK_REDIRECTS,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # Client ID metadata documents: a client_id that is an HTTPS URL is fetched (authserver.cimd).
    "CIMD_ENABLED": True,
    "CIMD_METADATA_FETCHER": "authserver.cimd.HttpxMetadataFetcher",
    "CIMD_FETCH_TIMEOUT_SECONDS": 5,
    "CIMD_MAX_DOCUMENT_SIZE": 16 * 1024,
    "APPLICATION_ADMIN_CLASS": "authserver.admin.ApplicationAdmin",
    "ACCESS_TOKEN_ADMIN_CLASS": "authserver.admin.AccessTokenAdmin",
    "GRANT_ADMIN_CLASS": "authserver.admin.GrantAdmin",
    "REFRESH_TOKEN_ADMIN_CLASS": "authserver.admin.RefreshTokenAdmin",
}

# Sign-in (auth_mcp) ------------------------------------------------------------------------------
# Shopper sessions expire after this long without a tool call or widget callback that uses them.
SHOPPER_SESSION_IDLE_SECONDS = env_int("SHOPPER_SESSION_IDLE_SECONDS", 600, minimum=60)
# Demo conveniences: DEMO_MODE returns the one-time code to the widget as `demo_code` so presenters
# need no phone; DEMO_OPEN_SIGNIN creates a shopper for an unknown email on first sign-in.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)
DEMO_OPEN_SIGNIN = env_bool("DEMO_OPEN_SIGNIN", False)
# POST /api/demo/reset accepts `Authorization: Bearer <this>`; unset means staff users only.
DEMO_RESET_TOKEN = env_str("DEMO_RESET_TOKEN")
# Models whose rows the demo reset deletes, besides shopper sessions, codes and the SMS outbox.
# Labels of models that don't exist (yet) are skipped.
DEMO_RESET_MODELS = env_list(
    "DEMO_RESET_MODELS", ["checkout_mcp.Order", "checkout_mcp.Cart", "membership_mcp.Membership"]
)
# DRF throttle rates ("<count>/<sec|min|hour|day>") for the sign-in callbacks.
SIGN_IN_RATE_PER_SESSION = env_str("SIGN_IN_RATE_PER_SESSION", "20/min")
SIGN_IN_RATE_PER_EMAIL = env_str("SIGN_IN_RATE_PER_EMAIL", "10/min")
# Every sign-in attempt hashes a password: one client address gets this many a minute, all sessions
# and emails together (the address MCP_TRUST_X_FORWARDED_FOR says to believe).
SIGN_IN_RATE_PER_ADDRESS = env_str("SIGN_IN_RATE_PER_ADDRESS", "30/min")

# Product search (search_mcp) ---------------------------------------------------------------------
# With UNWRANGLE_API_KEY set, /mcp2 searches Target through Unwrangle's paid API; without it, the
# local catalog (the search_mcp.Product table) answers.
UNWRANGLE_API_KEY = env_str("UNWRANGLE_API_KEY")
UNWRANGLE_BASE_URL = env_url("UNWRANGLE_BASE_URL", "https://data.unwrangle.com")
# The Target store whose prices and stock Unwrangle reports.
UNWRANGLE_STORE_NO = env_str("UNWRANGLE_STORE_NO", "3991")
# Products per Unwrangle page: our 10-per-page results are sliced out of pages this long.
UNWRANGLE_PAGE_SIZE = env_int("UNWRANGLE_PAGE_SIZE", 24, minimum=1)
UNWRANGLE_TIMEOUT_MS = env_int("UNWRANGLE_TIMEOUT_MS", 10_000, minimum=100)
# Pause before the one retry after a 5xx answer or a timeout.
UNWRANGLE_RETRY_BACKOFF_MS = env_int("UNWRANGLE_RETRY_BACKOFF_MS", 500)
# Fresh results are reused for this long; an older copy is kept this long to answer when the
# upstream is down (marked stale). 0 disables the fresh cache.
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 600)
SEARCH_STALE_SECONDS = env_int("SEARCH_STALE_SECONDS", 24 * 3600, minimum=60)

# Checkout and membership (checkout_mcp, membership_mcp) --------------------------------------------
from decimal import Decimal, InvalidOperation  # noqa: E402 - kept with the only settings that use it


def _env_money(name: str, default: str) -> Decimal:
    """A non-negative decimal such as 35.00 or 0.0875; anything else stops start-up."""
    raw = env_str(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a decimal number such as {default}; got {raw!r}.") from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name} must be zero or more; got {raw!r}.")
    return value


# One sales tax rate for orders and Circle 360 fees (8.75% unless set), on the subtotal.
SALES_TAX_RATE = _env_money("SALES_TAX_RATE", "0.0875")
if SALES_TAX_RATE >= 1:
    raise ImproperlyConfigured(f"SALES_TAX_RATE is a fraction (0.0875 for 8.75%); got {SALES_TAX_RATE}.")
# Orders at or over the threshold ship free, as do all orders of Circle 360 members; others pay the fee.
FREE_SHIPPING_THRESHOLD = _env_money("FREE_SHIPPING_THRESHOLD", "35.00")
SHIPPING_FEE = _env_money("SHIPPING_FEE", "5.99")
# DRF throttle rate for the checkout and enrolment callbacks, per sessionId.
SHOP_RATE_PER_SESSION = env_str("SHOP_RATE_PER_SESSION", "120/min")

# Demo analytics (analytics) -----------------------------------------------------------------------
# Shoppers appear in analytics as an HMAC of their session handle under this key (never an email or
# a name); by default derived from SECRET_KEY. Changing it starts every shopper afresh.
ANALYTICS_SECRET = env_str("ANALYTICS_SECRET") or f"analytics:{SECRET_KEY}"
# `manage.py purge_analytics` deletes events older than this.
ANALYTICS_RETENTION_DAYS = env_int("ANALYTICS_RETENTION_DAYS", 90, minimum=1)
# Tool calls are recorded server-side through the engine's observer hook; 0 turns that off.
ANALYTICS_RECORD_TOOL_CALLS = env_bool("ANALYTICS_RECORD_TOOL_CALLS", True)
MCP_TOOL_CALL_OBSERVERS = ["analytics.recording.record_tool_call"] if ANALYTICS_RECORD_TOOL_CALLS else []
# Recorded tool calls wait in memory at most this long (or until a batch is full) before one insert.
ANALYTICS_FLUSH_MS = env_int("ANALYTICS_FLUSH_MS", 1000, minimum=10)
# DRF throttle rate for the event ingest endpoint, per shopper pseudonym.
ANALYTICS_RATE_PER_SHOPPER = env_str("ANALYTICS_RATE_PER_SHOPPER", "600/min")

# Agentic checkout (acp): the Agentic Commerce Protocol's REST API under /acp -------------------------
# Express shipping (any order, members too); standard shipping follows the rules above.
EXPRESS_SHIPPING_FEE = _env_money("EXPRESS_SHIPPING_FEE", "14.99")
# An agent platform's API key from the environment, usable as `Authorization: Bearer <it>`
# (stored hashed on first use, revocable in the admin like the keys made there).
ACP_API_KEY = env_str("ACP_API_KEY")
# With a secret, every request must carry `Timestamp` and `Signature` (HMAC-SHA256, see acp.protocol).
ACP_SIGNING_SECRET = env_str("ACP_SIGNING_SECRET")
# Who we are to the delegated-payment stand-in: tokens minted for another merchant are refused.
ACP_MERCHANT_ID = env_str("ACP_MERCHANT_ID", "targetdemo")
# Order webhooks (order_create, order_update) go to the agent platform here, signed with the secret;
# `manage.py acp_webhooks` (the Procfile's worker) delivers them. Without a URL they stay queued.
ACP_WEBHOOK_URL = env_url("ACP_WEBHOOK_URL", "") if env_str("ACP_WEBHOOK_URL") else ""
ACP_WEBHOOK_SECRET = env_str("ACP_WEBHOOK_SECRET", SECRET_KEY)
ACP_WEBHOOK_MAX_ATTEMPTS = env_int("ACP_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
# The first retry waits this long; each next one twice as long (at most an hour).
ACP_WEBHOOK_BACKOFF_SECONDS = env_int("ACP_WEBHOOK_BACKOFF_SECONDS", 30, minimum=1)
ACP_WEBHOOK_POLL_SECONDS = env_int("ACP_WEBHOOK_POLL_SECONDS", 2, minimum=1)
