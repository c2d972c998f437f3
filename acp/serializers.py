"""The protocol's request bodies (DRF serializers, one typed boundary each) and the checkout session
as the protocol shows it. Shapes follow the 2026-04-17 JSON Schema, `schema.agentic_checkout.json`
(`CheckoutSession*Request`, `CheckoutSession`, `LineItem`, `Total`, `Message*`, ...) and
`schema.delegate_payment.json` (`DelegatePaymentRequest`, `DelegatePaymentResponse`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from acp import services
from acp.models import CheckoutSession, PaymentToken
from acp.protocol import API_VERSION
from checkout_mcp.models import MAX_QUANTITY
from shop.payments.money import minor_units

Data = dict[str, Any]
CURRENCY = "usd"


class AddressSerializer(serializers.Serializer[Data]):
    name = serializers.CharField(max_length=256)
    line_one = serializers.CharField(max_length=200)
    line_two = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=50)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2, e.g. US.")
    postal_code = serializers.CharField(max_length=20)
    company = serializers.CharField(max_length=200, required=False)


class FulfillmentDetailsSerializer(serializers.Serializer[Data]):
    name = serializers.CharField(max_length=256, required=False)
    phone_number = serializers.CharField(max_length=32, required=False)
    email = serializers.EmailField(required=False)
    address = AddressSerializer(required=False)


class BuyerSerializer(serializers.Serializer[Data]):
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    full_name = serializers.CharField(max_length=256, required=False)
    email = serializers.EmailField()
    phone_number = serializers.CharField(max_length=32, required=False)


class ItemSerializer(serializers.Serializer[Data]):
    """An item by its product id (the feed's `variants[].id`). 2026-04-17 items carry no quantity:
    each entry is one unit and repeated ids add up; `quantity`, from earlier versions, is accepted."""

    id = serializers.CharField(max_length=64)
    name = serializers.CharField(required=False)
    unit_amount = serializers.IntegerField(required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)


class SelectedFulfillmentOptionSerializer(serializers.Serializer[Data]):
    type = serializers.ChoiceField(["shipping"], required=False)
    option_id = serializers.CharField(max_length=32)
    item_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False)


class SessionChangeSerializer(serializers.Serializer[Data]):
    """CheckoutSessionUpdateRequest. `null` clears a field, an absent one is left as it is."""

    buyer = BuyerSerializer(required=False, allow_null=True)
    line_items = ItemSerializer(many=True, required=False, allow_empty=False)
    fulfillment_details = FulfillmentDetailsSerializer(required=False, allow_null=True)
    selected_fulfillment_options = SelectedFulfillmentOptionSerializer(many=True, required=False)


class CreateSessionSerializer(SessionChangeSerializer):
    """CheckoutSessionCreateRequest."""

    line_items = ItemSerializer(many=True, allow_empty=False)
    currency = serializers.ChoiceField([CURRENCY], default=CURRENCY)
    capabilities = serializers.DictField(required=False)


class CredentialSerializer(serializers.Serializer[Data]):
    type = serializers.CharField(max_length=32)
    token = serializers.CharField(max_length=64)


class InstrumentSerializer(serializers.Serializer[Data]):
    type = serializers.ChoiceField(["card"])
    credential = CredentialSerializer()


class PaymentDataSerializer(serializers.Serializer[Data]):
    handler_id = serializers.CharField(max_length=64)
    instrument = InstrumentSerializer()
    billing_address = AddressSerializer(required=False)


class CompleteSessionSerializer(serializers.Serializer[Data]):
    """CheckoutSessionCompleteRequest."""

    buyer = BuyerSerializer(required=False)
    payment_data = PaymentDataSerializer()


class CancelSessionSerializer(serializers.Serializer[Data]):
    """CancelSessionRequest: the intent trace is accepted and not kept."""

    intent_trace = serializers.DictField(required=False)


class CardSerializer(serializers.Serializer[Data]):
    type = serializers.ChoiceField(["card"])
    card_number_type = serializers.ChoiceField(["fpan", "network_token"])
    number = serializers.RegexField(r"^\d{12,19}$")
    exp_month = serializers.RegexField(r"^(0?[1-9]|1[0-2])$", required=False)
    exp_year = serializers.RegexField(r"^\d{4}$", required=False)
    name = serializers.CharField(required=False)
    cvc = serializers.RegexField(r"^\d{3,4}$", required=False)
    display_card_funding_type = serializers.ChoiceField(["credit", "debit", "prepaid"])
    display_brand = serializers.CharField(required=False)
    virtual = serializers.BooleanField(required=False)
    metadata = serializers.DictField(child=serializers.CharField())

    def validate_number(self, number: str) -> str:
        if not luhn_valid(number):
            raise serializers.ValidationError("The card number fails its check digit.")
        return number


class AllowanceSerializer(serializers.Serializer[Data]):
    reason = serializers.ChoiceField(["one_time"])
    max_amount = serializers.IntegerField(min_value=1)
    currency = serializers.RegexField(r"^[a-z]{3}$")
    checkout_session_id = serializers.CharField(max_length=64)
    merchant_id = serializers.CharField(max_length=256)
    expires_at = serializers.DateTimeField()


class RiskSignalSerializer(serializers.Serializer[Data]):
    type = serializers.ChoiceField(["card_testing"])
    score = serializers.IntegerField()
    action = serializers.ChoiceField(["blocked", "manual_review", "authorized"])


class DelegatePaymentSerializer(serializers.Serializer[Data]):
    """DelegatePaymentRequest."""

    payment_method = CardSerializer()
    allowance = AllowanceSerializer()
    billing_address = AddressSerializer(required=False)
    risk_signals = RiskSignalSerializer(many=True)
    metadata = serializers.DictField(child=serializers.CharField())


def luhn_valid(number: str) -> bool:
    digits = [int(digit) for digit in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * digit, 10)) for digit in digits[1::2])
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number.startswith("6"):
        return "discover"
    return "card"


def token_body(token: PaymentToken, idempotency_key: str) -> Data:
    """DelegatePaymentResponse."""
    return {
        "id": token.id,
        "created": token.created_at.isoformat().replace("+00:00", "Z"),
        "metadata": {
            **{str(key): str(value) for key, value in token.metadata.items()},
            "merchant_id": token.merchant_id,
            "idempotency_key": idempotency_key,
        },
    }


def total(kind: str, text: str, amount: int) -> Data:
    return {"type": kind, "display_text": text, "amount": amount}


def payment_handler() -> Data:
    """The one way to pay: a card tokenized by the delegated-payment stand-in at this origin."""
    return {
        "id": services.PAYMENT_HANDLER_ID,
        "name": "dev.acp.tokenized.card",
        "display_name": "Credit or debit card",
        "version": "2026-01-22",
        "spec": "https://acp.dev/handlers/tokenized.card",
        "requires_delegate_payment": True,
        "requires_pci_compliance": False,
        "psp": "targetdemo",
        "config_schema": "https://acp.dev/schemas/handlers/tokenized.card/config.json",
        "instrument_schemas": ["https://acp.dev/schemas/handlers/tokenized.card/instrument.json"],
        "config": {
            "merchant_id": settings.ACP_MERCHANT_ID,
            "psp": "targetdemo",
            "delegate_payment_url": f"{settings.PUBLIC_BASE_URL}/agentic_commerce/delegate_payment",
            "accepted_brands": ["visa", "mastercard", "amex", "discover"],
            "supports_3ds": False,
            "environment": "test",
        },
    }


POLICY_LINKS = [
    ("terms_of_use", "https://www.target.com/c/terms-conditions/-/N-4sr7l"),
    ("privacy_policy", "https://www.target.com/c/target-privacy-policy/-/N-4sr7p"),
    ("return_policy", "https://www.target.com/c/return-exchange/-/N-4sr7s"),
]


def messages(session: CheckoutSession, priced: services.Priced) -> list[Data]:
    """What the agent should know or fix, each with the JSONPath of the field concerned."""
    found: list[Data] = []

    def error(code: str, content: str, param: str, resolution: str) -> None:
        found.append(
            {
                "type": "error",
                "code": code,
                "param": param,
                "resolution": resolution,
                "content_type": "plain",
                "content": content,
            }
        )

    if session.status == CheckoutSession.Status.CANCELED:
        return [{"type": "info", "content_type": "plain", "content": "Checkout session has been canceled."}]
    if session.status == CheckoutSession.Status.COMPLETED:
        return []
    if not priced.lines:
        error("missing", "Add at least one item.", "$.line_items", "recoverable")
    address = session.address
    if address is None:
        error(
            "missing",
            "Add a shipping address to see shipping options.",
            "$.fulfillment_details.address",
            "requires_buyer_input",
        )
    elif not services.ships(session):
        error(
            "region_restricted",
            "We ship to US addresses only.",
            "$.fulfillment_details.address.country",
            "requires_buyer_input",
        )
    if session.declined:
        error(
            "payment_declined",
            f"{session.declined} Nothing was charged; pay with another card.",
            "$.payment_data",
            "requires_buyer_input",
        )
    if priced.member and priced.options:
        found.append(
            {
                "type": "info",
                "content_type": "plain",
                "content": "Target Circle 360 member: standard shipping is free.",
            }
        )
    return found


def session_body(session: CheckoutSession) -> Data:
    """The authoritative state of a checkout session (CheckoutSession / CheckoutSessionWithOrder)."""
    priced = services.price(session)
    line_items = []
    for line, tax in zip(priced.lines, priced.line_taxes, strict=True):
        base = minor_units(line.line_total)
        item = {"id": line.product_id, "name": line.title, "unit_amount": minor_units(line.unit_price)}
        line_items.append(
            {
                "id": f"li_{line.product_id}",
                "item": item,
                "quantity": line.quantity,
                "name": line.title,
                **({"images": [line.image]} if line.image else {}),
                "unit_amount": minor_units(line.unit_price),
                "product_id": line.product_id,
                "totals": [
                    total("items_base_amount", "Base amount", base),
                    total("subtotal", "Subtotal", base),
                    total("tax", "Tax", minor_units(tax)),
                    total("total", "Total", base + minor_units(tax)),
                ],
            }
        )
    totals = [
        total("items_base_amount", "Item(s) total", minor_units(priced.totals.subtotal)),
        total("subtotal", "Subtotal", minor_units(priced.totals.subtotal)),
        total("tax", "Tax", minor_units(priced.totals.tax)),
    ]
    if priced.selected is not None:
        totals.append(total("fulfillment", "Shipping", minor_units(priced.totals.shipping)))
    totals.append(total("total", "Total", minor_units(priced.totals.total)))
    options = []
    for option in priced.options:
        earliest, latest = services.delivery_window(session, option)
        options.append(
            {
                "type": "shipping",
                "id": option.id,
                "title": option.title,
                "description": option.description,
                "carrier": option.carrier,
                "earliest_delivery_time": earliest,
                "latest_delivery_time": latest,
                "totals": [total("total", "Shipping", minor_units(option.fee))],
            }
        )
    body: Data = {
        "id": session.id,
        "protocol": {"version": API_VERSION},
        "capabilities": {"payment": {"handlers": [payment_handler()]}},
        "status": session.status,
        "currency": session.currency,
        "line_items": line_items,
        "fulfillment_options": options,
        "selected_fulfillment_options": (
            [
                {
                    "type": "shipping",
                    "option_id": priced.selected.id,
                    "item_ids": [line.product_id for line in priced.lines],
                }
            ]
            if priced.selected
            else []
        ),
        "totals": totals,
        "messages": messages(session, priced),
        "links": [{"type": kind, "url": url} for kind, url in POLICY_LINKS],
        "created_at": session.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": session.updated_at.isoformat().replace("+00:00", "Z"),
    }
    if session.buyer:
        body["buyer"] = session.buyer
    if session.fulfillment_details:
        body["fulfillment_details"] = session.fulfillment_details
    if session.order is not None:
        body["order"] = {
            "type": "order",
            "id": session.order.number,
            "checkout_session_id": session.id,
            "order_number": session.order.number,
            "permalink_url": f"{settings.PUBLIC_BASE_URL}/acp/orders/{session.order.number}",
            "status": "confirmed",
        }
    return body
