"""The Agentic Commerce Protocol's rules for every request, in one base view.

In the order they are checked: `Authorization: Bearer` (an `ApiKey`), `API-Version`, the request
signature (`Timestamp` + `Signature`, only when ACP_SIGNING_SECRET is set) and, on every POST,
`Idempotency-Key`: a replay of an answered request gets the stored status and body back (with
`Idempotent-Replayed: true`) and repeats nothing; the same key with another body is 422, while the
first is still running 409; 5xx answers are never stored. Keys are scoped to the caller's key and
the path. Errors are the protocol's flat `{type, code, message, param?}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from acp.models import ApiKey, IdempotencyRecord
from shop.errors import ShopError
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH

logger = logging.getLogger(__name__)

API_VERSION = "2026-04-17"
SUPPORTED_API_VERSIONS = [API_VERSION]
API_VERSION_HEADER = "API-Version"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed"
REQUEST_ID_HEADER = "Request-Id"
SIGNATURE_HEADER = "Signature"
TIMESTAMP_HEADER = "Timestamp"
RETRY_AFTER_SECONDS = 1
# How far a signed request's Timestamp may be from our clock.
SIGNATURE_TOLERANCE = timedelta(minutes=5)

INVALID_REQUEST = "invalid_request"
PROCESSING_ERROR = "processing_error"


class AcpError(Exception):
    """A request the protocol refuses, as its flat error object and an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status: int = 400,
        param: str | None = None,
        type: str = INVALID_REQUEST,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.code, self.status, self.param, self.type = message, code, status, param, type
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "code": self.code, "message": self.message}
        if self.param:
            error["param"] = self.param
        return {**error, **self.extra}


class Replay(Exception):
    """The stored answer to a request made before with this Idempotency-Key."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def json_path(field_path: list[str | int]) -> str:
    """RFC 9535 JSONPath of a request field, e.g. ["line_items", 0, "id"] -> $.line_items[0].id."""
    path = "$"
    for part in field_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validation_error(detail: Any, path: list[str | int] | None = None) -> AcpError:
    """The first problem of a DRF validation error, with the JSONPath of its field."""
    path = path or []
    if isinstance(detail, dict) and detail:
        name, value = next(iter(detail.items()))
        return validation_error(value, path if name == "non_field_errors" else [*path, name])
    if isinstance(detail, list) and detail:
        # A list of per-item errors has an entry for every item, empty for valid ones.
        for index, item in enumerate(detail):
            if isinstance(item, dict | list) and item:
                return validation_error(item, [*path, index])
        return validation_error(detail[0], path)
    code = getattr(detail, "code", "invalid")
    return AcpError(
        str(detail), code="missing" if code == "required" else "invalid", param=json_path(path) if path else None
    )


def error_response(exc: Exception, context: dict[str, Any]) -> Response:
    """Every failure of an ACP view as the protocol's flat error object."""
    if isinstance(exc, Replay):
        return Response(exc.record.body, status=exc.record.status_code, headers={IDEMPOTENT_REPLAYED_HEADER: "true"})
    if isinstance(exc, ShopError):
        exc = AcpError(exc.message, code=exc.code, status=exc.status)
    if isinstance(exc, AcpError):
        set_rollback()
        return Response(exc.body(), status=exc.status, headers=exc.headers)
    if isinstance(exc, exceptions.ValidationError):
        return error_response(validation_error(exc.detail), context)
    if isinstance(exc, exceptions.ParseError):
        return error_response(AcpError("The request body is not valid JSON.", code="invalid_json"), context)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return error_response(
            AcpError(
                "Send `Authorization: Bearer <API key>` with a key the merchant issued.",
                code="unauthorized",
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="acp"'},
            ),
            context,
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response(AcpError("Not found.", code="not_found", status=404), context)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response(AcpError(str(exc.detail), code="method_not_allowed", status=405), context)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error_response(AcpError("Send the body as application/json.", code="invalid", status=415), context)
    set_rollback()
    request_id = uuid.uuid4().hex
    logger.error("unexpected error in an ACP view", exc_info=exc, extra={"request_id": request_id})
    return Response(
        {
            "type": PROCESSING_ERROR,
            "code": "internal_error",
            "message": (
                f"Something went wrong on our side; retry with the same Idempotency-Key (request id {request_id})."
            ),
        },
        status=500,
    )


class BearerKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiKey, None] | None:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        key = ApiKey.objects.authenticate(secret.strip())
        if key is None:
            raise exceptions.AuthenticationFailed()
        return key, None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="acp"'


def canonical(raw: bytes) -> str:
    """The request body's canonical JSON: key order and 1.0 vs 1 do not matter, null vs absent does."""
    if not raw.strip():
        return ""
    try:
        parsed = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except ValueError:
        return raw.decode(errors="replace")

    def normal(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, dict):
            return {key: normal(item) for key, item in value.items()}
        if isinstance(value, list):
            return [normal(item) for item in value]
        return value

    return json.dumps(normal(parsed), sort_keys=True, separators=(",", ":"))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """base64url(HMAC-SHA256(secret, Timestamp + "." + raw body)): what `Signature` carries."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check_api_version(version: str | None) -> None:
    if not version:
        raise AcpError(
            "The API-Version header is required.",
            code="missing_api_version",
            extra={"supported_versions": SUPPORTED_API_VERSIONS},
        )
    if version not in SUPPORTED_API_VERSIONS:
        raise AcpError(
            f"API version {version!r} is not supported.",
            code="unsupported_api_version",
            extra={"supported_versions": SUPPORTED_API_VERSIONS},
        )


def check_signature(timestamp: str | None, signature: str | None, body: bytes) -> None:
    secret = settings.ACP_SIGNING_SECRET
    if not secret:
        return
    if not timestamp or not signature:
        raise AcpError("Sign the request: send Timestamp and Signature.", code="invalid_signature", status=401)
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise AcpError("Timestamp is not an RFC 3339 date-time.", code="invalid_signature", status=401) from None
    if when.tzinfo is None or abs(timezone.now() - when) > SIGNATURE_TOLERANCE:
        raise AcpError("Timestamp is outside the allowed window.", code="invalid_signature", status=401)
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.rstrip("=")):
        raise AcpError("Signature verification failed.", code="invalid_signature", status=401)


class AcpView(APIView):
    """Base of every ACP endpoint: the protocol's headers checked, POSTs made idempotent."""

    authentication_classes = [BearerKeyAuthentication]
    permission_classes = [IsAuthenticated]
    # Not part of the widget callback API's schema (/api/schema/): the protocol publishes its own.
    schema = None
    _claimed: IdempotencyRecord | None = None

    def get_exception_handler(self) -> Any:
        return error_response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_api_version(request.headers.get(API_VERSION_HEADER))
        raw = request.body
        check_signature(request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), raw)
        if request.method == "POST":
            # The permission admitted only requests that BearerKeyAuthentication authenticated.
            assert isinstance(request.user, ApiKey)
            self._claimed = claim(request.user, request.path, request.headers.get(IDEMPOTENCY_KEY_HEADER), raw)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._claimed is not None:
            settle(self._claimed, response.status_code, response.data)
            self._claimed = None
        for header in (IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER):
            if header in request.headers:
                response[header] = request.headers[header]
        return response


def claim(api_key: ApiKey, path: str, key: str | None, raw: bytes) -> IdempotencyRecord:
    """Mark `key` in flight for this caller and path, or raise what the protocol answers instead.

    The claim commits on its own, before the operation runs, so that a concurrent duplicate sees it
    and answers 409 rather than running the operation a second time.
    """
    if not key:
        raise AcpError(
            "Idempotency-Key header is required on all POST requests",
            code="idempotency_key_required",
        )
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise AcpError(f"Idempotency-Key is at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters.")
    fingerprint = hashlib.sha256(canonical(raw).encode()).hexdigest()
    scope = {"api_key": api_key, "path": path, "key": key}
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**scope, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(**scope).first()
            if record is None:
                continue
            if record.expired() or record.abandoned():
                record.delete()
                continue
            if record.fingerprint != fingerprint:
                raise AcpError(
                    "Idempotency-Key has already been used with a different request body",
                    code="idempotency_conflict",
                    status=422,
                ) from None
            if record.status_code is None:
                raise AcpError(
                    "A request with this Idempotency-Key is currently being processed",
                    code="idempotency_in_flight",
                    status=409,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                ) from None
            raise Replay(record) from None
    raise AcpError("Retry the request.", code="idempotency_in_flight", status=409)


def settle(record: IdempotencyRecord, status: int, body: Any) -> None:
    """Store the answer against the key; a 5xx is forgotten so that a retry runs afresh."""
    if status >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status, body=body)
