"""The ingest endpoint's body: a small batch of widget events, every field bounded."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import NAME_LENGTH, TARGET_LENGTH, Interaction
from analytics.shoppers import SHOPPER_KEY_PATTERN

MAX_EVENTS_PER_BATCH = 50
MAX_BODY_BYTES = 32 * 1024
# Events older than this when they arrive are refused: a widget sends within seconds.
MAX_EVENT_AGE_MS = 10 * 60 * 1000
MAX_RENDER_MS = 10 * 60 * 1000
WIDGET_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
NAME_PATTERN = rf"^[a-z0-9][a-z0-9_-]{{0,{NAME_LENGTH - 1}}}$"
# Product ids and step names only: no "@", no spaces, so no email or name can be sent as a target.
TARGET_PATTERN = rf"^[A-Za-z0-9_.:-]{{1,{TARGET_LENGTH}}}$"


class EventSerializer(serializers.Serializer[dict[str, Any]]):
    type = serializers.ChoiceField(choices=["impression", "interaction"])
    widget = serializers.RegexField(WIDGET_PATTERN)
    action = serializers.ChoiceField(choices=Interaction.Action.choices, required=False)
    target = serializers.RegexField(TARGET_PATTERN, required=False)
    renderMs = serializers.IntegerField(min_value=0, max_value=MAX_RENDER_MS, required=False)
    experiment = serializers.RegexField(NAME_PATTERN, required=False, allow_blank=True)
    variant = serializers.RegexField(NAME_PATTERN, required=False, allow_blank=True)
    ageMs = serializers.IntegerField(
        min_value=0, max_value=MAX_EVENT_AGE_MS, help_text="How long before sending the event happened."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == "impression" and "renderMs" not in attrs:
            raise serializers.ValidationError({"renderMs": "An impression needs renderMs, its render time."})
        if attrs["type"] == "interaction" and "action" not in attrs:
            raise serializers.ValidationError({"action": "An interaction needs its action."})
        return attrs


class EventBatchSerializer(serializers.Serializer[dict[str, Any]]):
    shopper = serializers.RegexField(
        SHOPPER_KEY_PATTERN, required=False, allow_blank=True, help_text="The pseudonym from the tool result."
    )
    events = serializers.ListField(child=EventSerializer(), allow_empty=False, max_length=MAX_EVENTS_PER_BATCH)


class AcceptedSerializer(serializers.Serializer[dict[str, int]]):
    accepted = serializers.IntegerField()
