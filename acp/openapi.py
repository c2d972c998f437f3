"""Our OpenAPI document for every ACP endpoint we serve, at /acp/openapi.json: discovery, the feed's
read API, the five checkout-session operations and the delegated-payment stand-in.

Written from the 2026-04-17 spec (openapi.agentic_checkout.yaml, openapi.delegate_payment.yaml,
openapi.feed.yaml and their JSON Schemas), restricted to what we serve; schemathesis checks us
against it. Request bodies are derived from the DRF serializers that validate them, so the document
cannot drift from what the views accept; response shapes, built by hand in acp.serializers, are
described here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.schemas.openapi import AutoSchema

from acp.protocol import (
    API_VERSION,
    API_VERSION_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    REQUEST_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from acp.serializers import (
    CancelSessionSerializer,
    CompleteSessionSerializer,
    CreateSessionSerializer,
    DelegatePaymentSerializer,
    SessionChangeSerializer,
)
from shop.payments.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": required, "properties": properties}


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
REF = "#/components/schemas/"

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        ["type", "code", "message"],
        type={"type": "string", "enum": ["invalid_request", "processing_error", "service_unavailable"]},
        code=STRING,
        message=STRING,
        param=STRING,
        supported_versions={"type": "array", "items": STRING},
    ),
    "DiscoveryResponse": _object(
        ["protocol", "api_base_url", "transports", "capabilities"],
        protocol=_object(
            ["name", "version", "supported_versions"],
            name={"const": "acp"},
            version={"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            supported_versions={"type": "array", "items": STRING},
            documentation_url=URI,
        ),
        api_base_url=URI,
        transports={"type": "array", "items": {"enum": ["rest", "mcp"]}},
        capabilities=_object(
            ["services"],
            services={"type": "array", "items": {"enum": ["checkout", "orders", "delegate_payment", "carts"]}},
            supported_currencies={"type": "array", "items": {"type": "string", "pattern": "^[a-z]{3}$"}},
            supported_locales={"type": "array", "items": STRING},
        ),
    ),
    "FeedMetadata": _object(
        ["id"],
        id=STRING,
        target_country={"type": "string", "pattern": "^[A-Z]{2}$"},
        updated_at={"type": "string", "format": "date-time"},
    ),
    "Price": _object(
        ["amount", "currency"],
        amount={"type": "integer", "minimum": 0},
        currency={"type": "string", "pattern": "^[A-Z]{3}$"},
    ),
    "Media": _object(["type", "url"], type=STRING, url=URI, alt_text=STRING),
    "Description": {**_object([], plain=STRING, html=STRING, markdown=STRING), "minProperties": 1},
    "Seller": _object(
        [], name=STRING, links={"type": "array", "items": _object(["type", "url"], type=STRING, url=URI)}
    ),
    "Variant": _object(
        ["id", "title"],
        id=STRING,
        title=STRING,
        description={"$ref": REF + "Description"},
        url=URI,
        price={"$ref": REF + "Price"},
        availability=_object([], available={"type": "boolean"}, status=STRING),
        categories={"type": "array", "items": _object(["value"], value=STRING, taxonomy=STRING)},
        variant_options={"type": "array", "items": _object(["name", "value"], name=STRING, value=STRING)},
        media={"type": "array", "items": {"$ref": REF + "Media"}},
        seller={"$ref": REF + "Seller"},
    ),
    "Product": _object(
        ["id", "variants"],
        id=STRING,
        title=STRING,
        description={"$ref": REF + "Description"},
        url=URI,
        media={"type": "array", "items": {"$ref": REF + "Media"}},
        variants={"type": "array", "items": {"$ref": REF + "Variant"}},
    ),
    "ProductsResponse": _object(["products"], products={"type": "array", "items": {"$ref": REF + "Product"}}),
}


def _nullable_31(schema: Any) -> Any:
    """DRF writes OpenAPI 3.0's `nullable: true`; 3.1 (JSON Schema) spells it as a `null` alternative."""
    if isinstance(schema, list):
        return [_nullable_31(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _nullable_31(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class _RequestSchema(AutoSchema):
    """DRF's mapping, plus the two rules of our serializers it leaves out: no empty strings, no
    empty lists where `allow_empty=False`."""

    def map_field(self, field: serializers.Field[Any, Any, Any, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = super().map_field(field)
        if isinstance(field, serializers.CharField) and not field.allow_blank:
            schema["minLength"] = max(1, schema.get("minLength", 0))
        if isinstance(field, serializers.ListSerializer | serializers.ListField) and not field.allow_empty:
            schema["minItems"] = max(1, schema.get("minItems", 0))
        return schema


def request_schema(serializer: type[serializers.Serializer[Any]]) -> dict[str, Any]:
    """The JSON Schema of the bodies `serializer` accepts (unknown properties are ignored, so allowed)."""
    return dict(_nullable_31(_RequestSchema().map_serializer(serializer())))


INTEGER = {"type": "integer"}
DATE_TIME = {"type": "string", "format": "date-time"}
STRINGS = {"type": "array", "items": STRING}
TOTAL_TYPES = ["items_base_amount", "items_discount", "subtotal", "discount", "fulfillment", "tax", "fee", "total"]
SESSION_STATUSES = [
    "incomplete",
    "not_ready_for_payment",
    "requires_escalation",
    "authentication_required",
    "ready_for_payment",
    "pending_approval",
    "complete_in_progress",
    "completed",
    "canceled",
    "in_progress",
    "expired",
]
TOTALS = {"type": "array", "items": {"$ref": REF + "Total"}}
# The buyer and fulfillment details a session shows are the ones its requests sent, as sent.
SENT_BACK = {"type": "object"}

SCHEMAS.update(
    {
        "CheckoutSessionCreateRequest": request_schema(CreateSessionSerializer),
        "CheckoutSessionUpdateRequest": request_schema(SessionChangeSerializer),
        "CheckoutSessionCompleteRequest": request_schema(CompleteSessionSerializer),
        "CancelSessionRequest": request_schema(CancelSessionSerializer),
        "DelegatePaymentRequest": request_schema(DelegatePaymentSerializer),
        "DelegatePaymentResponse": _object(
            ["id", "created", "metadata"],
            id=STRING,
            created=DATE_TIME,
            metadata={"type": "object", "additionalProperties": STRING},
        ),
        "Total": _object(
            ["type", "display_text", "amount"],
            type={"type": "string", "enum": TOTAL_TYPES},
            display_text=STRING,
            amount={"type": "integer", "minimum": 0},
        ),
        "LineItem": _object(
            ["id", "item", "quantity", "totals"],
            id=STRING,
            item=_object(["id"], id=STRING, name=STRING, unit_amount=INTEGER),
            quantity={"type": "integer", "minimum": 1},
            name=STRING,
            images={"type": "array", "items": URI},
            unit_amount={"type": "integer", "minimum": 0},
            product_id=STRING,
            totals=TOTALS,
        ),
        "FulfillmentOptionShipping": _object(
            ["type", "id", "title", "totals"],
            type={"const": "shipping"},
            id=STRING,
            title=STRING,
            description=STRING,
            carrier=STRING,
            earliest_delivery_time=DATE_TIME,
            latest_delivery_time=DATE_TIME,
            totals=TOTALS,
        ),
        "SelectedFulfillmentOption": _object(
            ["type", "option_id", "item_ids"], type={"const": "shipping"}, option_id=STRING, item_ids=STRINGS
        ),
        "Message": {
            "oneOf": [
                _object(
                    ["type", "content_type", "content"],
                    type={"const": "info"},
                    param=STRING,
                    content_type={"enum": ["plain", "markdown"]},
                    content=STRING,
                ),
                _object(
                    ["type", "code", "content_type", "content"],
                    type={"const": "error"},
                    code=STRING,
                    param=STRING,
                    resolution={"enum": ["recoverable", "requires_buyer_input", "requires_buyer_review"]},
                    content_type={"enum": ["plain", "markdown"]},
                    content=STRING,
                ),
            ]
        },
        "PaymentHandler": _object(
            [
                "id",
                "name",
                "version",
                "spec",
                "requires_delegate_payment",
                "requires_pci_compliance",
                "psp",
                "config_schema",
                "instrument_schemas",
                "config",
            ],
            id=STRING,
            name=STRING,
            display_name=STRING,
            version=STRING,
            spec=URI,
            requires_delegate_payment={"type": "boolean"},
            requires_pci_compliance={"type": "boolean"},
            psp=STRING,
            config_schema=URI,
            instrument_schemas={"type": "array", "items": URI},
            config={"type": "object"},
        ),
        "Order": _object(
            ["id", "checkout_session_id", "permalink_url"],
            type={"const": "order"},
            id=STRING,
            checkout_session_id=STRING,
            order_number=STRING,
            permalink_url=URI,
            status=STRING,
        ),
        "CheckoutSession": _object(
            [
                "id",
                "status",
                "currency",
                "line_items",
                "totals",
                "fulfillment_options",
                "messages",
                "links",
                "capabilities",
            ],
            id=STRING,
            protocol=_object(["version"], version={"const": API_VERSION}),
            capabilities=_object(
                [], payment=_object(["handlers"], handlers={"type": "array", "items": {"$ref": REF + "PaymentHandler"}})
            ),
            buyer=SENT_BACK,
            status={"type": "string", "enum": SESSION_STATUSES},
            currency={"type": "string", "pattern": "^[a-z]{3}$"},
            line_items={"type": "array", "items": {"$ref": REF + "LineItem"}},
            fulfillment_details=SENT_BACK,
            fulfillment_options={"type": "array", "items": {"$ref": REF + "FulfillmentOptionShipping"}},
            selected_fulfillment_options={"type": "array", "items": {"$ref": REF + "SelectedFulfillmentOption"}},
            totals=TOTALS,
            messages={"type": "array", "items": {"$ref": REF + "Message"}},
            links={"type": "array", "items": _object(["type", "url"], type=STRING, title=STRING, url=URI)},
            created_at=DATE_TIME,
            updated_at=DATE_TIME,
            order={"$ref": REF + "Order"},
        ),
    }
)


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + schema}}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: _json("Error", "The protocol's flat error object.") for status in statuses}


def _header(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema or STRING,
    }


FEED_ID = {"name": "feed_id", "in": "path", "required": True, "schema": STRING}
SESSION_ID = {"name": "checkout_session_id", "in": "path", "required": True, "schema": STRING}
API_VERSION_PARAMETER = _header(API_VERSION_HEADER, "The protocol version.", required=True, const=API_VERSION)
IDEMPOTENCY_KEY = _header(
    IDEMPOTENCY_KEY_HEADER,
    "Unique per logical request; a retry with the same key and body replays the first answer.",
    required=True,
    type="string",
    minLength=1,
    maxLength=IDEMPOTENCY_KEY_MAX_LENGTH,
)
OPTIONAL_HEADERS = [
    _header(REQUEST_ID_HEADER, "Echoed back, for tracing."),
    _header(SIGNATURE_HEADER, "base64url HMAC-SHA256 of Timestamp + '.' + body; checked when signing is on."),
    _header(TIMESTAMP_HEADER, "RFC 3339 time of signing; checked when signing is on."),
]
# Every refusal of a POST: bad request, no key, unknown session, a state that forbids the operation
# (405), an Idempotency-Key in flight (409), a body that is not JSON (415) or a key reused with
# another body (422).
POST_ERRORS = _errors("400", "401", "404", "405", "409", "415", "422")


def _post(operation_id: str, request: str, status: str, response: str, description: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "parameters": [API_VERSION_PARAMETER, IDEMPOTENCY_KEY, *OPTIONAL_HEADERS],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": REF + request}}}},
        "responses": {status: _json(response, description), **POST_ERRORS},
    }


def acp_openapi() -> dict[str, Any]:
    session_path = "/acp/checkout_sessions/{checkout_session_id}"
    return {
        "openapi": "3.1.0",
        "info": {"title": "targetdemo ACP: discovery, feed, checkout and delegated payment", "version": API_VERSION},
        "servers": [{"url": settings.PUBLIC_BASE_URL}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/.well-known/acp.json": {
                "get": {
                    "operationId": "getDiscovery",
                    "security": [],
                    "responses": {"200": _json("DiscoveryResponse", "What this seller supports.")},
                }
            },
            "/acp/feeds/{feed_id}": {
                "get": {
                    "operationId": "getFeed",
                    "parameters": [FEED_ID, API_VERSION_PARAMETER],
                    "responses": {"200": _json("FeedMetadata", "The feed."), **_errors("400", "401", "404")},
                }
            },
            "/acp/feeds/{feed_id}/products": {
                "get": {
                    "operationId": "getFeedProducts",
                    "parameters": [FEED_ID, API_VERSION_PARAMETER],
                    "responses": {
                        "200": _json("ProductsResponse", "Every product of the feed."),
                        **_errors("400", "401", "404"),
                    },
                }
            },
            "/acp/checkout_sessions": {
                "post": _post(
                    "createCheckoutSession",
                    "CheckoutSessionCreateRequest",
                    "201",
                    "CheckoutSession",
                    "The new session.",
                )
            },
            session_path: {
                "parameters": [SESSION_ID],
                "get": {
                    "operationId": "getCheckoutSession",
                    "parameters": [API_VERSION_PARAMETER, *OPTIONAL_HEADERS],
                    "responses": {
                        "200": _json("CheckoutSession", "The session as it is now."),
                        **_errors("400", "401", "404"),
                    },
                },
                "post": _post(
                    "updateCheckoutSession",
                    "CheckoutSessionUpdateRequest",
                    "200",
                    "CheckoutSession",
                    "The updated session.",
                ),
            },
            f"{session_path}/complete": {
                "parameters": [SESSION_ID],
                "post": _post(
                    "completeCheckoutSession",
                    "CheckoutSessionCompleteRequest",
                    "200",
                    "CheckoutSession",
                    "The completed session, with its order.",
                ),
            },
            f"{session_path}/cancel": {
                "parameters": [SESSION_ID],
                "post": _post(
                    "cancelCheckoutSession", "CancelSessionRequest", "200", "CheckoutSession", "The canceled session."
                ),
            },
            "/agentic_commerce/delegate_payment": {
                "post": _post(
                    "delegatePayment",
                    "DelegatePaymentRequest",
                    "201",
                    "DelegatePaymentResponse",
                    "A token usable once, within the allowance.",
                )
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
