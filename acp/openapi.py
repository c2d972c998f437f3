"""Our OpenAPI document for discovery and the product feed's read API, served at /acp/openapi.json.

Written from the 2026-04-17 spec (openapi.feed.yaml, schema.feed.json and the discovery schema in
schema.agentic_checkout.json), restricted to what we serve; schemathesis checks us against it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from acp.protocol import API_VERSION


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


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + schema}}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: _json("Error", "The protocol's flat error object.") for status in statuses}


FEED_ID = {"name": "feed_id", "in": "path", "required": True, "schema": STRING}
API_VERSION_HEADER = {"name": "API-Version", "in": "header", "required": True, "schema": {"const": API_VERSION}}


def feed_openapi() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "targetdemo ACP: discovery and product feed", "version": API_VERSION},
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
                    "parameters": [FEED_ID, API_VERSION_HEADER],
                    "responses": {"200": _json("FeedMetadata", "The feed."), **_errors("400", "401", "404")},
                }
            },
            "/acp/feeds/{feed_id}/products": {
                "get": {
                    "operationId": "getFeedProducts",
                    "parameters": [FEED_ID, API_VERSION_HEADER],
                    "responses": {
                        "200": _json("ProductsResponse", "Every product of the feed."),
                        **_errors("400", "401", "404"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
