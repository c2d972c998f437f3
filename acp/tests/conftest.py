"""An agent platform calling the ACP API in-process: its key, its headers, its requests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from acp.models import ApiKey
from acp.protocol import API_VERSION

FITBIT = "38098260"  # Fitbit Charge 6, 159.95: over the free-shipping threshold
NOTEBOOK = "42191994"  # Five Star notebook, 4.29
US_ADDRESS = {
    "name": "Theo Okafor",
    "line_one": "1200 Nicollet Mall",
    "city": "Minneapolis",
    "state": "MN",
    "country": "US",
    "postal_code": "55403",
}


@dataclass
class Agent:
    """An agent platform with its own API key, speaking the protocol's headers."""

    key: ApiKey
    secret: str
    client: Client = field(default_factory=lambda: Client(HTTP_HOST="127.0.0.1"))

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", "API-Version": API_VERSION, **extra}

    def post(self, path: str, body: Any, *, key: str | None = None, **headers: str) -> Any:
        sent = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
        raw = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(path, raw, content_type="application/json", headers=self.headers(**sent))

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers=self.headers(**headers))

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.post("/acp/checkout_sessions", body)
        assert answer.status_code == 201, answer.json()
        return dict(answer.json())

    def token(self, session_id: str, *, number: str = "4242424242424242", **allowance: Any) -> str:
        answer = self.post("/agentic_commerce/delegate_payment", delegate_body(session_id, number, **allowance))
        assert answer.status_code == 201, answer.json()
        return str(answer.json()["id"])

    def complete(self, session_id: str, token: str, **body: Any) -> Any:
        return self.post(
            f"/acp/checkout_sessions/{session_id}/complete",
            {
                "payment_data": {
                    "handler_id": "card_tokenized",
                    "instrument": {"type": "card", "credential": {"type": "spt", "token": token}},
                },
                **body,
            },
        )


def delegate_body(session_id: str, number: str = "4242424242424242", **allowance: Any) -> dict[str, Any]:
    return {
        "payment_method": {
            "type": "card",
            "card_number_type": "fpan",
            "number": number,
            "exp_month": "12",
            "exp_year": "2030",
            "display_card_funding_type": "credit",
            "metadata": {},
        },
        "allowance": {
            "reason": "one_time",
            "max_amount": 100_000,
            "currency": "usd",
            "checkout_session_id": session_id,
            "merchant_id": "targetdemo",
            "expires_at": (timezone.now() + timedelta(hours=1)).isoformat(),
            **allowance,
        },
        "risk_signals": [{"type": "card_testing", "score": 3, "action": "authorized"}],
        "metadata": {"source": "tests"},
    }


def ready_body(*items: str, email: str = "theo.okafor@example.com") -> dict[str, Any]:
    """A create request for `items` that is ready for payment: a US address and a buyer."""
    return {
        "currency": "usd",
        "line_items": [{"id": item} for item in items],
        "buyer": {"first_name": "Theo", "last_name": "Okafor", "email": email},
        "fulfillment_details": {"name": "Theo Okafor", "email": email, "address": US_ADDRESS},
    }


@pytest.fixture
def agent(db: None) -> Agent:
    key, secret = ApiKey.objects.issue("Test agent platform")
    return Agent(key, secret)


@pytest.fixture
def other_agent(db: None) -> Agent:
    key, secret = ApiKey.objects.issue("Another agent platform")
    return Agent(key, secret)
