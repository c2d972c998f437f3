"""The protocol's rules on every request: bearer keys, API-Version, Idempotency-Key, signatures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from acp import services
from acp.models import ApiKey, CheckoutSession, IdempotencyRecord
from acp.protocol import sign
from acp.tests.conftest import NOTEBOOK, Agent, ready_body

pytestmark = pytest.mark.django_db

CREATE = "/acp/checkout_sessions"


def test_a_request_without_a_key_is_401(agent: Agent) -> None:
    answer = agent.client.get(f"{CREATE}/cs_x", headers={"API-Version": "2026-04-17"})
    assert answer.status_code == 401
    assert answer.json()["type"] == "invalid_request" and answer.json()["code"] == "unauthorized"


def test_a_revoked_key_is_401(agent: Agent) -> None:
    ApiKey.objects.filter(pk=agent.key.pk).update(revoked_at=timezone.now())
    assert agent.post(CREATE, ready_body(NOTEBOOK)).status_code == 401


def test_keys_are_stored_hashed(agent: Agent) -> None:
    stored = ApiKey.objects.get(pk=agent.key.pk)
    assert agent.secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64


def test_acp_api_key_from_the_environment_works_and_can_be_revoked(settings: Settings) -> None:
    settings.ACP_API_KEY = "acpk_from_the_environment_0123456789"
    seeded = Agent(ApiKey(), settings.ACP_API_KEY)
    assert seeded.post(CREATE, ready_body(NOTEBOOK)).status_code == 201
    key = ApiKey.objects.get(name="ACP_API_KEY (environment)")
    key.revoked_at = timezone.now()
    key.save()
    assert seeded.post(CREATE, ready_body(NOTEBOOK)).status_code == 401


def test_api_version_is_required(agent: Agent) -> None:
    answer = agent.client.get(f"{CREATE}/cs_x", headers={"Authorization": f"Bearer {agent.secret}"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "missing_api_version" and answer.json()["supported_versions"] == ["2026-04-17"]


def test_an_unsupported_api_version_is_400_listing_the_supported_ones(agent: Agent) -> None:
    answer = agent.post(CREATE, ready_body(NOTEBOOK), **{"API-Version": "2025-09-29"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "unsupported_api_version" and "2026-04-17" in answer.json()["supported_versions"]


def test_a_post_without_idempotency_key_is_400(agent: Agent) -> None:
    answer = agent.client.post(CREATE, ready_body(NOTEBOOK), content_type="application/json", headers=agent.headers())
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency_key_required"
    assert not CheckoutSession.objects.exists()


def test_a_replay_answers_the_original_status_and_body_and_creates_nothing(agent: Agent) -> None:
    first = agent.post(CREATE, ready_body(NOTEBOOK), key="create-once", **{"Request-Id": "req_1"})
    again = agent.post(CREATE, ready_body(NOTEBOOK), key="create-once", **{"Request-Id": "req_2"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Idempotency-Key"] == "create-once" and again["Request-Id"] == "req_2"
    assert CheckoutSession.objects.count() == 1


def test_the_same_body_in_another_key_order_or_number_form_is_a_replay(agent: Agent) -> None:
    first = agent.post(CREATE, '{"currency": "usd", "line_items": [{"id": "42191994", "quantity": 2}]}', key="k-eq")
    again = agent.post(CREATE, '{"line_items": [{"quantity": 2.0, "id": "42191994"}], "currency": "usd"}', key="k-eq")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_422(agent: Agent) -> None:
    agent.post(CREATE, ready_body(NOTEBOOK), key="k-conflict")
    answer = agent.post(CREATE, {**ready_body(NOTEBOOK), "buyer": None}, key="k-conflict")
    assert answer.status_code == 422 and answer.json()["code"] == "idempotency_conflict"
    assert CheckoutSession.objects.count() == 1


def test_the_same_key_still_in_flight_is_409_with_retry_after(agent: Agent) -> None:
    body = ready_body(NOTEBOOK)
    first = agent.post(CREATE, body, key="k-flight")
    # As the first request's claim looks while it is still running.
    IdempotencyRecord.objects.filter(key="k-flight").update(status_code=None, body=None)
    answer = agent.post(CREATE, body, key="k-flight")
    assert first.status_code == 201
    assert answer.status_code == 409 and answer.json()["code"] == "idempotency_in_flight"
    assert int(answer["Retry-After"]) >= 1


def test_a_5xx_is_not_stored_so_a_retry_runs_afresh(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    real_create = services.create

    def fail_once(*args: Any) -> CheckoutSession:
        monkeypatch.setattr(services, "create", real_create)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "create", fail_once)
    failed = agent.post(CREATE, ready_body(NOTEBOOK), key="k-5xx")
    assert failed.status_code == 500 and failed.json()["type"] == "processing_error"
    retried = agent.post(CREATE, ready_body(NOTEBOOK), key="k-5xx")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried


def test_a_4xx_is_replayed_like_any_answer(agent: Agent) -> None:
    body = {"line_items": [{"id": "999"}]}
    first = agent.post(CREATE, body, key="k-400")
    again = agent.post(CREATE, body, key="k-400")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_to_the_caller(agent: Agent, other_agent: Agent) -> None:
    mine = agent.post(CREATE, ready_body(NOTEBOOK), key="k-shared")
    theirs = other_agent.post(CREATE, ready_body(NOTEBOOK), key="k-shared")
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]


def test_keys_are_scoped_to_the_path(agent: Agent) -> None:
    first = agent.create(ready_body(NOTEBOOK))
    second = agent.create(ready_body(NOTEBOOK))
    one = agent.post(f"{CREATE}/{first['id']}/cancel", {}, key="k-path")
    other = agent.post(f"{CREATE}/{second['id']}/cancel", {}, key="k-path")
    assert one.json()["id"] == first["id"] and other.json()["id"] == second["id"]
    assert "Idempotent-Replayed" not in other


def test_a_key_is_kept_24_hours_then_treated_as_new(agent: Agent) -> None:
    first = agent.post(CREATE, ready_body(NOTEBOOK), key="k-old")
    IdempotencyRecord.objects.filter(key="k-old").update(created_at=timezone.now() - timedelta(hours=23))
    assert agent.post(CREATE, ready_body(NOTEBOOK), key="k-old").json()["id"] == first.json()["id"]
    IdempotencyRecord.objects.filter(key="k-old").update(created_at=timezone.now() - timedelta(hours=25))
    later = agent.post(CREATE, ready_body(NOTEBOOK), key="k-old")
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def signed(secret: str, body: dict[str, Any], *, at: str | None = None) -> tuple[str, dict[str, str]]:
    raw = json.dumps(body)
    timestamp = at or timezone.now().isoformat()
    return raw, {"Timestamp": timestamp, "Signature": sign(secret, timestamp, raw.encode())}


def test_with_a_signing_secret_unsigned_requests_are_401(agent: Agent, settings: Settings) -> None:
    settings.ACP_SIGNING_SECRET = "shared-signing-secret"
    answer = agent.post(CREATE, ready_body(NOTEBOOK))
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_signature"


def test_with_a_signing_secret_a_signed_request_passes(agent: Agent, settings: Settings) -> None:
    settings.ACP_SIGNING_SECRET = "shared-signing-secret"
    raw, headers = signed("shared-signing-secret", ready_body(NOTEBOOK))
    assert agent.post(CREATE, raw, **headers).status_code == 201


def test_a_wrong_or_stale_signature_is_401(agent: Agent, settings: Settings) -> None:
    settings.ACP_SIGNING_SECRET = "shared-signing-secret"
    raw, headers = signed("another-secret", ready_body(NOTEBOOK))
    assert agent.post(CREATE, raw, **headers).status_code == 401
    stale = (timezone.now() - timedelta(minutes=10)).isoformat()
    raw, headers = signed("shared-signing-secret", ready_body(NOTEBOOK), at=stale)
    assert agent.post(CREATE, raw, **headers).status_code == 401
