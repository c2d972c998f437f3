"""Writing widget events (two models in one batch) and purging old events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.models import Impression, Interaction, ToolCall


def record_widget_events(shopper: str, events: list[dict[str, Any]], received_at: datetime) -> int:
    """Store a validated batch (analytics.serializers.EventBatchSerializer); the number stored.

    An event's time is the server's clock less the age the widget reports, so a shopper's wrong
    clock cannot reorder a journey."""
    impressions: list[Impression] = []
    interactions: list[Interaction] = []
    for event in events:
        common = {
            "shopper": shopper,
            "widget": event["widget"],
            "experiment": event.get("experiment", ""),
            "variant": event.get("variant", ""),
            "occurred_at": received_at - timedelta(milliseconds=event["ageMs"]),
        }
        if event["type"] == "impression":
            impressions.append(Impression(render_ms=event["renderMs"], **common))
        else:
            interactions.append(Interaction(action=event["action"], target=event.get("target", ""), **common))
    with transaction.atomic():
        Impression.objects.bulk_create(impressions)
        Interaction.objects.bulk_create(interactions)
    return len(impressions) + len(interactions)


def purge_events(now: datetime | None = None, retention_days: int | None = None) -> dict[str, int]:
    """Delete events older than the retention (ANALYTICS_RETENTION_DAYS); rows deleted per model."""
    days = settings.ANALYTICS_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return {
        "impressions": Impression.objects.filter(occurred_at__lt=cutoff).delete()[0],
        "interactions": Interaction.objects.filter(occurred_at__lt=cutoff).delete()[0],
        "tool calls": ToolCall.objects.filter(occurred_at__lt=cutoff).delete()[0],
    }
