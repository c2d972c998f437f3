"""No personal data: shoppers are keyed hashes; events leave after the retention."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings

from analytics.models import Impression, Interaction, ToolCall
from analytics.shoppers import SHOPPER_KEY_LENGTH, shopper_key


def test_a_shopper_key_is_stable_and_keyed_by_the_secret(settings: Settings) -> None:
    settings.ANALYTICS_SECRET = "one secret"
    first = shopper_key("handle-123")
    assert first == shopper_key("handle-123") != shopper_key("handle-124")
    assert len(first) == SHOPPER_KEY_LENGTH and "handle" not in first

    settings.ANALYTICS_SECRET = "another secret"
    assert shopper_key("handle-123") != first


@pytest.mark.django_db
def test_purge_deletes_events_older_than_the_retention_and_keeps_the_rest(settings: Settings) -> None:
    settings.ANALYTICS_RETENTION_DAYS = 30
    now = timezone.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    for when in (old, recent):
        Impression.objects.create(widget="checkout", render_ms=10, occurred_at=when)
        Interaction.objects.create(widget="checkout", action="purchase_completed", occurred_at=when)
        ToolCall.objects.create(server="s", tool="t", outcome="ok", duration_ms=1, occurred_at=when)

    out = io.StringIO()
    call_command("purge_analytics", stdout=out)

    assert "deleted 1 impressions, 1 interactions, 1 tool calls" in out.getvalue()
    for model in (Impression, Interaction, ToolCall):
        assert list(model.objects.values_list("occurred_at", flat=True)) == [recent]
